import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pg from 'pg';
import { ISO_TIMESTAMPS, isoFromTimestamptz } from '../../src/storage/postgres/iso-timestamps.js';

const pgParse = pg.types.getTypeParser(1184, 'text') as (text: string) => Date | number | null;

/** What a row mapper made of the text before: pg's Date, written by `toISOString`. */
const viaDate = (text: string): string => (pgParse(text) as Date).toISOString();

/** `timestamptz` text as a UTC session writes it: PostgreSQL drops a fraction's trailing zeros. */
function pgText(ms: number, micros: number): string {
  const iso = new Date(ms).toISOString();
  const fraction = `${iso.slice(20, 23)}${String(micros).padStart(3, '0')}`.replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ''}+00`;
}

describe('isoFromTimestamptz', () => {
  test('gives the ISO text a Date would, for every fraction PostgreSQL writes', () => {
    // Every millisecond of one second with sub-millisecond digits that must be dropped, not rounded.
    for (let ms = 0; ms < 1000; ms++) {
      for (const micros of [0, 1, 500, 999]) {
        const text = pgText(Date.UTC(2026, 11, 6, 15, 48, 54, ms), micros);
        assert.equal(isoFromTimestamptz(text), viaDate(text), text);
      }
    }
    // Fractions of 1 to 6 digits, and none.
    for (const text of [
      '2026-12-06 15:48:54+00',
      '2026-12-06 15:48:54.1+00',
      '2026-12-06 15:48:54.12+00',
      '2026-12-06 15:48:54.123+00',
      '2026-12-06 15:48:54.1234+00',
      '2026-12-06 15:48:54.12345+00',
      '2026-12-06 15:48:54.999999+00',
      '0099-03-01 00:00:00+00',
      '1970-01-01 00:00:00+00',
      '9999-12-31 23:59:59.999+00',
    ]) {
      assert.equal(isoFromTimestamptz(text), viaDate(text), text);
    }
  });

  test('gives the same for times spread over four centuries', () => {
    let seed = 17;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 5000; i++) {
      const ms = Math.floor(Date.UTC(1900, 0, 1) + next() * (Date.UTC(2300, 0, 1) - Date.UTC(1900, 0, 1)));
      const text = pgText(ms, Math.floor(next() * 1000));
      assert.equal(isoFromTimestamptz(text), viaDate(text), text);
    }
  });

  test("leaves what is not a UTC session's text to pg's parser, with pg's result", () => {
    for (const text of [
      '2026-12-06 16:48:54.147+01',
      '2026-12-06 21:18:54.147+05:30',
      '2026-12-06 15:48:54.147-00',
      '2026-12-06 15:48:54.1234567+00',
      '0044-03-15 12:00:00+00 BC',
      '12026-12-06 15:48:54+00',
      '2026-12-06T15:48:54.147+00',
      '2026-1a-06 15:48:54.147+00',
      '2026-12-06 15:48:54.1x7+00',
      'infinity',
      '-infinity',
    ]) {
      assert.deepEqual(isoFromTimestamptz(text), pgParse(text), text);
    }
    assert.ok(isoFromTimestamptz('2026-12-06 16:48:54.147+01') instanceof Date);
  });

  test("ISO_TIMESTAMPS changes timestamptz only, and keeps pg's other parsers", () => {
    assert.equal(ISO_TIMESTAMPS.getTypeParser(1184, 'text'), isoFromTimestamptz);
    for (const oid of [20, 25, 114, 1082, 1114, 3802]) {
      assert.equal(ISO_TIMESTAMPS.getTypeParser(oid, 'text'), pg.types.getTypeParser(oid, 'text'), `oid ${oid}`);
    }
  });
});
