/**
 * The closed catalogue of error codes Tidings answers with. Each code has one
 * HTTP status; `docs/errors.md` documents every code and a test fails when
 * the two drift apart.
 */
export const ERROR_CODES = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  request_timeout: 408,
  invalid_transition: 409,
  version_conflict: 409,
  conflict: 409,
  portal_link_used: 409,
  idempotency_conflict: 422,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  rate_limited: 429,
  headers_too_large: 431,
  not_ready: 503,
  database_unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export function httpStatusOf(code: ErrorCode): number {
  return ERROR_CODES[code];
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
