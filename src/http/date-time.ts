/**
 * An RFC 3339 `date-time` from a request (the schema has checked its form) as
 * epoch milliseconds, or `null` when JavaScript cannot place it. RFC 3339
 * allows a leap second (`23:59:60`), which `Date.parse` reads as NaN since
 * JavaScript time, like POSIX time, has none: it is read as the first instant
 * after `:59.999`, where POSIX clocks put it. Left as NaN it reached the
 * replay query: a 500 on PostgreSQL, and nothing requeued on SQLite.
 */
export function instantOf(text: string): number | null {
  const ms = Date.parse(text);
  if (!Number.isNaN(ms)) return ms;
  const leap = /^(.*T\d{2}:\d{2}:)60(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.exec(text);
  if (!leap) return null;
  const before = Date.parse(`${leap[1]}59.999${leap[2]}`);
  return Number.isNaN(before) ? null : before + 1;
}
