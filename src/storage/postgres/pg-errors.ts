/** SQLSTATE of a server error, or undefined for driver and socket errors. */
function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const e = error as { constraint?: unknown } | null;
  return sqlState(error) === '23505' && e?.constraint === constraint;
}

/**
 * True when the server refused one statement for a reason that lies in the
 * data (constraint, deadlock, raised exception, bad value) and the connection
 * is still good, so the statement's changes can be retried one by one.
 * False for a lost connection, a terminated backend, an out-of-resources
 * server or a statement timeout: retrying those would only pile up load on a
 * database in trouble, so the callers get the error at once.
 */
export function isDataRefusal(error: unknown): boolean {
  const state = sqlState(error);
  if (!state) return false;
  return !['08', '53', '57', '58', 'XX'].includes(state.slice(0, 2));
}

/** pg's own words when it gave up on a connection: there is no SQLSTATE to read. */
const DRIVER_GAVE_UP = [
  /^Query read timeout$/, // `query_timeout`: the server stayed silent
  /^timeout exceeded when trying to connect$/, // no pooled connection free within `connectionTimeoutMillis`
  /^Connection terminated/, // the socket closed, or the connect timed out
  /not queryable/, // a client whose connection already failed
];
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * True when the connection is gone or silent (a timeout, a closed socket).
 * Nothing more may be sent on it: a ROLLBACK would queue behind the query
 * that never answered and wait out a second timeout. Whether a COMMIT in
 * flight took effect is the server's to know.
 */
export function isConnectionLost(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && SOCKET_CODES.has(code)) return true;
  return sqlState(error) === undefined && DRIVER_GAVE_UP.some((pattern) => pattern.test(error.message));
}

/**
 * True when the database could not answer rather than refused: the
 * connection was lost or stayed silent, the server is starting, shutting down
 * or out of connections (SQLSTATE 08xxx, 57P01-03, 53300), or it cancelled the
 * statement for time (57014). The HTTP answer is `503 database_unavailable`.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (isConnectionLost(error)) return true;
  const state = sqlState(error);
  if (!state) return false;
  return state.startsWith('08') || ['57P01', '57P02', '57P03', '53300', '57014'].includes(state);
}
