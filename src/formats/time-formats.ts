/**
 * The time notations of the seed systems. All of them are written in UTC: no
 * seed states a zone for its compact formats (seed 000, seed 004), and UTC is
 * the only reading a receiver can reproduce without out-of-band agreement.
 */

const ISO_FRACTION = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/;
const UANATACA_FORM = /^\d{8} \d{2}:\d{2}:\d{2}$/;
const COMPACT_FORM = /^(\d{8})(\d{2})(\d{2})(\d{2})$/;

function toDate(value: string | Date): Date {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) throw new TypeError(`not a valid time: ${String(value)}`);
  return date;
}

/** `YYYYMMDDHHMMSS` digits of a UTC instant, the base of the compact forms below. */
function digits(value: string | Date): string {
  return toDate(value).toISOString().slice(0, 19).replace(/[-:T]/g, '');
}

/**
 * `yyyyMMddHHmmss` in UTC: Uanataca `sent_at` (seed 000) and Thales timestamps (seed 004).
 * @example yyyyMMddHHmmss('2025-07-15T08:36:33.512Z') // '20250715083633'
 */
export function yyyyMMddHHmmss(value: string | Date): string {
  return digits(value);
}

/**
 * `YYYYMMDD HH:MM:SS` in UTC: Uanataca certificate `valid_from` / `valid_to` (seed 000).
 * Values already in that form are kept; `YYYYMMDDHHMMSS` is re-spaced; anything
 * else is read as an ISO 8601 instant.
 * @example uanatacaDateTime('2025-07-15T08:36:33Z') // '20250715 08:36:33'
 */
export function uanatacaDateTime(value: string | Date): string {
  if (typeof value === 'string') {
    if (UANATACA_FORM.test(value)) return value;
    const compact = COMPACT_FORM.exec(value);
    if (compact) return `${compact[1]} ${compact[2]}:${compact[3]}:${compact[4]}`;
  }
  const d = digits(value);
  return `${d.slice(0, 8)} ${d.slice(8, 10)}:${d.slice(10, 12)}:${d.slice(12, 14)}`;
}

/**
 * ISO 8601 with exactly 6 fraction digits and `Z`: Reestro `eventDate` (seed 003).
 * Our events carry milliseconds, so the last three digits are `000`; finer input
 * fractions are kept (truncated to 6), other offsets are converted to UTC.
 * @example isoMicros('2011-01-01T15:03:01.012Z') // '2011-01-01T15:03:01.012000Z'
 */
export function isoMicros(value: string | Date): string {
  const iso = typeof value === 'string' ? value : toDate(value).toISOString();
  const match = ISO_FRACTION.exec(iso) ?? ISO_FRACTION.exec(toDate(iso).toISOString());
  if (!match) throw new TypeError(`not a valid time: ${iso}`);
  const fraction = (match[2] ?? '').padEnd(6, '0').slice(0, 6);
  return `${match[1]}.${fraction}Z`;
}

/**
 * Whole Unix seconds: SET `iat` (seed 002, e.g. 1622796532).
 * @example unixSeconds('2021-06-04T08:48:52.000Z') // 1622796532
 */
export function unixSeconds(value: string | Date): number {
  return Math.floor(toDate(value).getTime() / 1000);
}

/**
 * `yyyy-MM-dd HH:mm:ss.SSS +0000`: the `@timestamp` of OneSpan's published
 * transaction notification example (seed 001 digest).
 * @example onespanTimestamp('2020-01-17T00:08:31.118Z') // '2020-01-17 00:08:31.118 +0000'
 */
export function onespanTimestamp(value: string | Date): string {
  const iso = toDate(value).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)} +0000`;
}
