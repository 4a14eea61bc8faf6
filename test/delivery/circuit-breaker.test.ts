import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_PAUSE_MS, MIN_PAUSE_MS, probeAfter } from '../../src/delivery/circuit-breaker.js';

describe('circuit breaker pause', () => {
  test('the first failure of a healthy endpoint pauses nothing (the breaker only goes half-open)', () => {
    assert.equal(probeAfter(null, 1_000_000), null);
  });

  test('a failed probe pauses for half the failing time, at least 1 s and at most 1 min', () => {
    const now = 10_000_000;
    assert.equal(probeAfter(now - 200, now), now + MIN_PAUSE_MS);
    assert.equal(probeAfter(now - 8_000, now), now + 4_000);
    assert.equal(probeAfter(now - 3_600_000, now), now + MAX_PAUSE_MS);
  });

  test('a failure clock ahead of this process clock (another worker) still pauses the minimum', () => {
    assert.equal(probeAfter(5_000, 1_000), 1_000 + MIN_PAUSE_MS);
  });
});
