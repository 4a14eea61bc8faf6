import pg from 'pg';

/** `timestamptz`'s type OID. */
const TIMESTAMPTZ = 1184;

const defaultTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ, 'text') as (text: string) => Date | number | null;

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/** True when `text` has a digit at every index in `at`. */
function digitsAt(text: string, at: readonly number[]): boolean {
  for (const i of at) {
    const c = text.charCodeAt(i);
    if (c < DIGIT_0 || c > DIGIT_9) return false;
  }
  return true;
}

/** Where `YYYY-MM-DD HH:MM:SS` has its digits. */
const DATE_TIME_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];

/**
 * A `timestamptz` as PostgreSQL writes it in a UTC session
 * (`2026-12-06 15:48:54.147+00`, 0 to 6 fraction digits), turned straight
 * into the text `Date#toISOString` writes for it (`2026-12-06T15:48:54.147Z`),
 * with no Date and no regular expression on the way. Anything else (another
 * zone's offset, a year past 9999 or BC, `infinity`) goes to pg's own parser
 * and comes back as it would without this: a Date (or ±Infinity).
 *
 * The milliseconds are the first three fraction digits: pg's parser computes
 * `1000 * parseFloat(fraction)` and the Date drops what is below a
 * millisecond, which gives the same for every fraction PostgreSQL writes
 * (checked for all of 0-6 digits in `iso-timestamps.test.ts`).
 *
 * For reads that render many rows (the feed's pages): parsing the time of
 * each event into a Date and writing it back out was a tenth of the feed's
 * CPU on PostgreSQL (bench `feed`, bench/RESULTS.md, session 15).
 */
export function isoFromTimestamptz(text: string): string | Date | number | null {
  const n = text.length;
  // 19 characters of date and time, an optional fraction (`.` and 1-6 digits), `+00`.
  const fractionDigits = n === 22 ? 0 : n - 23;
  if (
    fractionDigits < 0 ||
    fractionDigits > 6 ||
    text.charCodeAt(n - 3) !== 0x2b /* + */ ||
    text.charCodeAt(n - 2) !== DIGIT_0 ||
    text.charCodeAt(n - 1) !== DIGIT_0 ||
    text.charCodeAt(4) !== 0x2d /* - */ ||
    text.charCodeAt(7) !== 0x2d ||
    text.charCodeAt(10) !== 0x20 /* space */ ||
    text.charCodeAt(13) !== 0x3a /* : */ ||
    text.charCodeAt(16) !== 0x3a ||
    (fractionDigits > 0 && text.charCodeAt(19) !== 0x2e) /* . */ ||
    !digitsAt(text, DATE_TIME_DIGITS)
  ) {
    return defaultTimestamptz(text);
  }
  for (let i = 20; i < 20 + fractionDigits; i++) {
    const c = text.charCodeAt(i);
    if (c < DIGIT_0 || c > DIGIT_9) return defaultTimestamptz(text);
  }
  const millis = fractionDigits === 0 ? '000' : text.slice(20, 20 + Math.min(3, fractionDigits)).padEnd(3, '0');
  return `${text.slice(0, 10)}T${text.slice(11, 19)}.${millis}Z`;
}

/**
 * A query's `types`: pg's parsers, but `timestamptz` columns come as ISO text
 * when they can (`isoFromTimestamptz`). Only for statements whose rows are
 * read through `rows.ts`'s mappers, which take a time as a Date or as ISO
 * text alike.
 */
export const ISO_TIMESTAMPS: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMPTZ && format !== 'binary'
      ? isoFromTimestamptz
      : pg.types.getTypeParser(oid, format ?? 'text')) as pg.CustomTypesConfig['getTypeParser'],
};
