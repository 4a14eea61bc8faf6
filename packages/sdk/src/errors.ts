/**
 * Every failure the SDK reports, as a stable `code`. A caller's misuse (a
 * secret of the wrong shape, a missing option) is a plain `TypeError` instead.
 */
export const SDK_ERROR_CODES = [
  /** A Standard Webhooks header (`webhook-id`, `webhook-timestamp`, `webhook-signature`) is missing. */
  'webhook_header_missing',
  /** `webhook-timestamp` is not a whole number of seconds. */
  'webhook_timestamp_invalid',
  /** `webhook-timestamp` is further from now than the tolerance (a replay, or a clock off). */
  'webhook_timestamp_out_of_tolerance',
  /** No signature in `webhook-signature` matches any of the given secrets or keys. */
  'webhook_signature_mismatch',
  /** The shared-secret header (seed 004) is absent or holds another value. */
  'webhook_auth_header_mismatch',
  /** The SET is not a compact JWS, or its header or claims are malformed. */
  'set_malformed',
  /** The SET's signature does not verify with any key of the JWKS, or its `kid` is not in it. */
  'set_signature_invalid',
  /** A claim check failed: `iss`, `aud`, `iat` (in the future or too old) or `typ`. */
  'set_claim_invalid',
  /** The JWKS could not be fetched or read. */
  'jwks_unavailable',
  /** A body is not the wire format it was parsed as; `path` names the first wrong field. */
  'format_invalid',
  /** The server answered with an error body `{code, message, target, errors}`; `status` and `body` say which. */
  'http_error',
  /** The server could not be reached. */
  'network_error',
] as const;

export type SdkErrorCode = (typeof SDK_ERROR_CODES)[number];

export interface SdkErrorDetails {
  /** Where the failure is: a header name, a claim, a field path such as `certificates[0].status`. */
  path?: string;
  /** HTTP status of an `http_error`. */
  status?: number;
  /** The parsed error body of an `http_error`, when the server sent one. */
  body?: unknown;
  cause?: unknown;
}

/**
 * The one error class of the SDK; switch on `code` (a closed union), never on the message.
 *
 * @example
 * ```ts
 * try {
 *   await verifyWebhook(request, secret);
 * } catch (error) {
 *   if (error instanceof TidingsSdkError && error.code === 'webhook_timestamp_out_of_tolerance') {
 *     return new Response('stale', { status: 400 });
 *   }
 *   throw error;
 * }
 * ```
 */
export class TidingsSdkError extends Error {
  override readonly name = 'TidingsSdkError';
  readonly code: SdkErrorCode;
  readonly path: string | undefined;
  readonly status: number | undefined;
  readonly body: unknown;

  constructor(code: SdkErrorCode, message: string, details: SdkErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.path = details.path;
    this.status = details.status;
    this.body = details.body;
  }
}
