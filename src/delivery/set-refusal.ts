/**
 * RFC 8935 §2.3: a SET recipient that refuses a SET answers 400 with a JSON
 * body `{"err": "...", "description": "..."}`, `err` one of §2.4's codes
 * (`invalid_request`, `invalid_key`, `invalid_issuer`, `invalid_audience`,
 * `authentication_failed`, `access_denied`) or its own. Read from the
 * attempt's response excerpt, it becomes the attempt's error message and the
 * delivery's last error, so an operator sees why without reading bodies.
 */
const CODE = /^[\x21-\x7E]{1,100}$/;

/** `err: description` of an RFC 8935 error body, or `null` when the excerpt is not one. */
export function setRefusal(excerpt: string): string | null {
  let body: unknown;
  try {
    body = JSON.parse(excerpt);
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null) return null;
  const { err, description } = body as { err?: unknown; description?: unknown };
  if (typeof err !== 'string' || !CODE.test(err)) return null;
  return typeof description === 'string' && description.length > 0 ? `${err}: ${description}`.slice(0, 500) : err;
}
