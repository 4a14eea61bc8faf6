import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeDuration, MAX_PAUSE_MS, MIN_PAUSE_MS, probeAfter } from '../../src/delivery/circuit-breaker.js';
import { failingTooLong } from '../../src/delivery/storage/delivery-store.js';

const mid = () => 0.5; // no jitter

describe('circuit breaker pause', () => {
  test('the first failure of a healthy endpoint pauses nothing (the breaker only goes half-open)', () => {
    assert.equal(probeAfter(null, 1_000_000, mid), null);
  });

  test('a failed probe pauses for half the failing time, at least 1 s and at most 1 min', () => {
    const now = 10_000_000;
    assert.equal(probeAfter(now - 200, now, mid), now + MIN_PAUSE_MS);
    assert.equal(probeAfter(now - 8_000, now, mid), now + 4_000);
    assert.equal(probeAfter(now - 3_600_000, now, mid), now + MAX_PAUSE_MS);
  });

  test('±20% jitter, so endpoints that failed together are not probed together', () => {
    const now = 10_000_000;
    assert.equal(
      probeAfter(now - 8_000, now, () => 0),
      now + 3_200,
    );
    assert.equal(
      probeAfter(now - 8_000, now, () => 0.999_999),
      now + 4_800,
    );
  });

  test('a failure clock ahead of this process clock (another worker) still pauses the minimum', () => {
    assert.equal(probeAfter(5_000, 1_000, mid), 1_000 + MIN_PAUSE_MS);
  });
});

describe('the auto-disable message', () => {
  test('says the real duration in the unit it fills ("1 min", not "0 h")', () => {
    assert.equal(failingTooLong(60_000), 'every attempt failed for 1 min');
    assert.equal(failingTooLong(90 * 60_000), 'every attempt failed for 1.5 h');
    assert.equal(failingTooLong(5 * 86_400_000), 'every attempt failed for 5 d');
    assert.equal(describeDuration(30_000), '30 s');
    assert.equal(describeDuration(250), '250 ms');
  });
});
