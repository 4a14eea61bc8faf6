import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decideOutcome, type SendResult } from '../../src/delivery/attempt-outcome.js';
import { MAX_RETRY_AFTER_MS, nextAttemptDelay, parseRetryAfter } from '../../src/delivery/retry-policy.js';

const SCHEDULE = [5_000, 300_000, 1_800_000];
const mid = () => 0.5;

describe('nextAttemptDelay', () => {
  test('follows the schedule, one step per failed attempt', () => {
    assert.equal(nextAttemptDelay(1, SCHEDULE, mid), 5_000);
    assert.equal(nextAttemptDelay(2, SCHEDULE, mid), 300_000);
    assert.equal(nextAttemptDelay(3, SCHEDULE, mid), 1_800_000);
  });
  test('is null once the schedule is exhausted (dead letter)', () => {
    assert.equal(nextAttemptDelay(4, SCHEDULE, mid), null);
  });
  test('jitters by at most ±20%', () => {
    assert.equal(
      nextAttemptDelay(1, SCHEDULE, () => 0),
      4_000,
    );
    assert.equal(
      nextAttemptDelay(1, SCHEDULE, () => 1),
      6_000,
    );
  });
  test('backs off harder on overload (429, timeout)', () => {
    assert.equal(nextAttemptDelay(1, SCHEDULE, mid, { overloaded: true }), 10_000);
  });
  test('Retry-After lengthens the wait but never shortens it', () => {
    assert.equal(nextAttemptDelay(1, SCHEDULE, mid, { retryAfterMs: 60_000 }), 60_000);
    assert.equal(nextAttemptDelay(1, SCHEDULE, mid, { retryAfterMs: 1_000 }), 5_000);
  });
  test('Retry-After is clamped to an hour', () => {
    assert.equal(nextAttemptDelay(1, SCHEDULE, mid, { retryAfterMs: 86_400_000 }), MAX_RETRY_AFTER_MS);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  test('reads delta seconds and HTTP dates', () => {
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now), 60_000);
  });
  test('ignores what it cannot read', () => {
    assert.equal(parseRetryAfter(undefined, now), null);
    assert.equal(parseRetryAfter('soon', now), null);
  });
});

describe('decideOutcome', () => {
  const response = (status: number, retryAfter?: string): SendResult => ({
    kind: 'response',
    status,
    retryAfter,
    excerpt: '',
    latencyMs: 1,
  });
  const decide = (result: SendResult, attempt = 1) =>
    decideOutcome({ result, attempt, schedule: SCHEDULE, random: mid, nowMs: 0 });

  test('any 2xx succeeds, 202 included (RFC 8935)', () => {
    for (const s of [200, 201, 202, 204]) assert.deepEqual(decide(response(s)), { kind: 'succeeded' });
  });
  test('410 means gone: the endpoint is disabled', () => {
    assert.equal(decide(response(410)).kind, 'gone');
  });
  test('5xx, 4xx and network errors are retried on the schedule', () => {
    assert.deepEqual(decide(response(503)), { kind: 'retry', delayMs: 5_000 });
    assert.deepEqual(decide(response(400)), { kind: 'retry', delayMs: 5_000 });
    const reset: SendResult = { kind: 'error', errorClass: 'connection', message: 'ECONNRESET', latencyMs: 1 };
    assert.deepEqual(decide(reset), { kind: 'retry', delayMs: 5_000 });
  });
  test('429 honours Retry-After; timeouts back off harder', () => {
    assert.deepEqual(decide(response(429, '30')), { kind: 'retry', delayMs: 30_000 });
    const timeout: SendResult = { kind: 'error', errorClass: 'timeout', message: 't', latencyMs: 1 };
    assert.deepEqual(decide(timeout), { kind: 'retry', delayMs: 10_000 });
  });
  test('the last failure of the schedule is a dead letter', () => {
    assert.equal(decide(response(500), 4).kind, 'dead');
  });
});
