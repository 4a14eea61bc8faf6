import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isoMicros,
  onespanTimestamp,
  uanatacaDateTime,
  unixSeconds,
  yyyyMMddHHmmss,
} from '../../src/formats/time-formats.js';

describe('time formats', () => {
  it('yyyyMMddHHmmss writes 14 digits in UTC (seed 000 sent_at, seed 004 timestamps)', () => {
    assert.equal(yyyyMMddHHmmss('2025-07-15T08:36:33.512Z'), '20250715083633');
    assert.equal(yyyyMMddHHmmss('2025-07-15T10:36:33+02:00'), '20250715083633');
    assert.equal(yyyyMMddHHmmss(new Date(Date.UTC(2024, 0, 2, 3, 4, 5))), '20240102030405');
  });

  it('uanatacaDateTime writes "YYYYMMDD HH:MM:SS" from ISO input and keeps values already in that form', () => {
    assert.equal(uanatacaDateTime('2025-07-16T09:12:05Z'), '20250716 09:12:05');
    assert.equal(uanatacaDateTime('2025-07-16T11:12:05.999+02:00'), '20250716 09:12:05');
    assert.equal(uanatacaDateTime('20250716 09:12:05'), '20250716 09:12:05');
    assert.equal(uanatacaDateTime('20250716091205'), '20250716 09:12:05');
  });

  it('isoMicros pads our milliseconds to the 6 fraction digits of seed 003', () => {
    assert.equal(isoMicros('2011-01-01T15:03:01.012Z'), '2011-01-01T15:03:01.012000Z');
    assert.equal(isoMicros('2011-01-01T15:03:01Z'), '2011-01-01T15:03:01.000000Z');
    assert.equal(isoMicros('2011-01-01T15:03:01.012345Z'), '2011-01-01T15:03:01.012345Z');
    assert.equal(isoMicros('2011-01-01T15:03:01.0123456Z'), '2011-01-01T15:03:01.012345Z');
    assert.equal(isoMicros('2011-01-01T18:03:01.5+03:00'), '2011-01-01T15:03:01.500000Z');
  });

  it('unixSeconds gives the seed 002 iat of 04.06.2021 10:48:52 Europe/Berlin', () => {
    assert.equal(unixSeconds('2021-06-04T08:48:52.000Z'), 1622796532);
    assert.equal(unixSeconds('2021-06-04T08:48:52.999Z'), 1622796532);
  });

  it('onespanTimestamp matches the published "yyyy-MM-dd HH:mm:ss.SSS +0000" example', () => {
    assert.equal(onespanTimestamp('2020-01-17T00:08:31.118Z'), '2020-01-17 00:08:31.118 +0000');
  });

  it('rejects a value that is not a time', () => {
    assert.throws(() => yyyyMMddHHmmss('yesterday'), TypeError);
    assert.throws(() => isoMicros('2011-13-45'), TypeError);
  });
});
