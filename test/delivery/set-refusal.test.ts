import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setRefusal } from '../../src/delivery/set-refusal.js';

test('an RFC 8935 error body reads as "err: description"', () => {
  assert.equal(
    setRefusal('{"err":"invalid_key","description":"Key ID 12345 has been revoked."}'),
    'invalid_key: Key ID 12345 has been revoked.',
  );
  assert.equal(setRefusal('{"err":"access_denied"}'), 'access_denied');
  assert.equal(setRefusal('{"err":"authentication_failed","description":""}'), 'authentication_failed');
  assert.equal(setRefusal('{"err":"x-custom","description":42}'), 'x-custom', 'a recipient may use its own codes');
  assert.equal(setRefusal(`{"err":"invalid_request","description":"${'d'.repeat(600)}"}`)?.length, 500);
});

test('anything else is not a refusal', () => {
  for (const excerpt of ['', 'Bad Request', '[]', 'null', '"invalid_key"', '{"error":"invalid_key"}', '{"err":""}']) {
    assert.equal(setRefusal(excerpt), null, excerpt);
  }
  assert.equal(setRefusal('{"err":"two words"}'), null, 'a code is one token');
  assert.equal(setRefusal('{"err":"invalid_key","description":"cut off'), null, 'a truncated excerpt');
});
