import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { notFound } from '../../errors/tidings-error.js';
import type { DestinationKeys } from '../../keys/destination-keys.js';
import { callerOf } from '../plugins/auth.js';
import { errorResponses } from '../schemas.js';

const DestinationId = Type.String({ format: 'uuid', description: 'the destination id: the `iss` of its SETs' });
const Kid = Type.String({ minLength: 1, maxLength: 200 });
const Jwk = Type.Object(
  {
    kty: Type.String(),
    kid: Type.String(),
    alg: Type.String({ description: 'PS512' }),
    use: Type.String(),
    key_ops: Type.Array(Type.String()),
  },
  { additionalProperties: true, description: 'a public RSA key (RFC 7517)' },
);

/**
 * The public keys of a tenant's FIT-Connect destinations, where a FIT-Connect
 * client looks for them (seed-formats.md, "Pick the key by issuer"): a SET
 * whose `iss` is a destination id is verified with
 * `GET /v1/destinations/{iss}/keys/{kid}` (one JWK, as the submission API
 * serves it); `GET /v1/destinations/{iss}/keys` lists them as a JWKS (the
 * shape optiGov reads). Tenant-scoped like the event logs that name them.
 * `POST .../keys/rotate` (manage scope) gives a destination a new key: the
 * next SETs it issues are signed with it, and the old key stays published.
 */
export function destinationKeyRoutes(keys: DestinationKeys) {
  return async (instance: FastifyInstance) => {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      '/v1/destinations/:destinationId/keys',
      {
        config: { auth: 'tenant', scope: 'read' },
        schema: {
          tags: ['keys'],
          summary: "A FIT-Connect destination's public signing keys (JWKS); 404 before it has issued a SET",
          params: Type.Object({ destinationId: DestinationId }),
          response: { 200: Type.Object({ keys: Type.Array(Jwk) }), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const { destinationId } = request.params;
        const jwks = await keys.jwks(callerOf(request).tenantId, destinationId.toLowerCase());
        if (jwks.keys.length === 0) throw notFound(`keys of destination ${destinationId}`);
        return jwks;
      },
    );
    app.get(
      '/v1/destinations/:destinationId/keys/:kid',
      {
        config: { auth: 'tenant', scope: 'read' },
        schema: {
          tags: ['keys'],
          summary: 'One public key of a FIT-Connect destination, by kid: what verifies the SETs it issued',
          params: Type.Object({ destinationId: DestinationId, kid: Kid }),
          response: { 200: Jwk, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const { destinationId, kid } = request.params;
        const jwk = await keys.publicKey(callerOf(request).tenantId, destinationId.toLowerCase(), kid);
        if (!jwk) throw notFound(`key ${kid} of destination ${destinationId}`);
        return jwk;
      },
    );
    app.post(
      '/v1/destinations/:destinationId/keys/rotate',
      {
        config: { auth: 'tenant', scope: 'manage' },
        schema: {
          tags: ['keys'],
          summary:
            'Give a FIT-Connect destination a new signing key: its next SETs are signed with it; the old key stays published',
          params: Type.Object({ destinationId: DestinationId }),
          response: {
            200: Type.Object({
              kid: Type.String({ description: 'the new active key' }),
              previousKid: Type.Union([Type.String(), Type.Null()], {
                description: 'the key it replaces, still served by kid; null for a destination that had none',
              }),
              rotatedAt: Type.String({ format: 'date-time' }),
            }),
            ...errorResponses(400, 401, 403),
          },
        },
      },
      async (request) => keys.rotate(callerOf(request).tenantId, request.params.destinationId.toLowerCase()),
    );
  };
}
