import { type Infer, integer, literal, object, oneOf, optional, record, string, unknownValue } from './schema.js';

/** JWS algorithms of Tidings' SETs: PS512 for FIT-Connect (seed 002), EdDSA or ES256 otherwise. */
export const setAlgorithmSchema = oneOf('PS512', 'EdDSA', 'ES256');

/** The JOSE protected header of a Tidings SET. */
export const setHeaderSchema = object({
  typ: literal('secevent+jwt'),
  alg: setAlgorithmSchema,
  kid: string(),
});

/**
 * The claims of a Security Event Token (RFC 8417), FIT-Connect style (seed 002):
 * `sub` `submission:<id>` / `reply:<id>` / `case:<id>` (`<workflow>:<id>` for
 * other workflows), `txn` `case:<caseId>`, one event URI in `events`, `$schema`
 * only when the payload is not empty, `iat` the transition time, `jti` the event id.
 */
export const setClaimsSchema = object({
  $schema: optional(string()),
  jti: string(),
  iss: string(),
  iat: integer(),
  sub: string(),
  txn: optional(string()),
  events: record(record(unknownValue())),
});

export type SetAlgorithm = Infer<typeof setAlgorithmSchema>;
export type SetHeader = Infer<typeof setHeaderSchema>;
export type SetClaims = Infer<typeof setClaimsSchema>;
