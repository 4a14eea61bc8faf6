import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { controlClaims, planEvents, SSF_VERIFICATION_EVENT, ssfProfile } from '../../src/signals/ssf-set.js';

const supported = new Map([
  ['https://t.example/events/a/x', [{ workflow: 'a', type: 'x' }]],
  ['https://t.example/events/a/y', [{ workflow: 'a', type: 'y' }]],
  ['https://t.example/events/b/y', [{ workflow: 'b', type: 'y' }]],
  [
    'https://schema.fitko.de/fit-connect/events/submit-submission',
    [{ workflow: 'fit-submission', type: 'submit-submission' }],
  ],
]);

describe('SSF events of a stream (pure)', () => {
  test('delivered = requested ∩ supported, with the workflow × type filter that sends exactly them', () => {
    const plan = planEvents(
      ['https://t.example/events/a/y', 'https://t.example/events/a/x', 'urn:unknown', 'https://t.example/events/a/x'],
      supported,
    );
    assert.deepEqual(plan, {
      ok: true,
      delivered: ['https://t.example/events/a/x', 'https://t.example/events/a/y'],
      workflows: ['a'],
      types: ['x', 'y'],
    });
  });

  test('a request no workflow × type filter meets exactly is refused, naming what it would also send', () => {
    const plan = planEvents(['https://t.example/events/a/x', 'https://t.example/events/b/y'], supported);
    assert.equal(plan.ok, false);
    assert.match(plan.ok ? '' : plan.message, /a\/y/);
  });

  test('the SSF profile adds aud and a sub_id equal to sub, and keeps every other claim', () => {
    const claims = { jti: 'j', iss: 'i', iat: 1, sub: 'image-check:1', txn: 'case:2', events: { e: {} } };
    assert.deepEqual(ssfProfile(claims, 'rcv'), {
      ...claims,
      aud: 'rcv',
      sub_id: { format: 'opaque', id: 'image-check:1' },
    });
  });

  test("a verification event's subject is the stream", () => {
    const claims = controlClaims({
      jti: 'j',
      issuer: 'https://t.example',
      aud: 'rcv',
      streamId: 'ssf_1',
      nowMs: 1_767_225_600_999,
      event: SSF_VERIFICATION_EVENT,
      payload: { state: 's' },
    });
    assert.deepEqual(claims, {
      jti: 'j',
      iss: 'https://t.example',
      aud: 'rcv',
      iat: 1_767_225_600,
      sub_id: { format: 'opaque', id: 'ssf_1' },
      events: { [SSF_VERIFICATION_EVENT]: { state: 's' } },
    });
  });
});
