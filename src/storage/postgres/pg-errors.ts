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
