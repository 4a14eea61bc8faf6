import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DETAIL_MAX,
  detailsOf,
  endpointIdOf,
  hasOlder,
  healthTone,
  historyWindow,
  newestFirst,
  operationalSubjectId,
  typeTone,
} from '../../console/src/lib/operational.js';

describe("console logic: the operational events' views", () => {
  test("an endpoint's operational subject, and the endpoint of an event", () => {
    assert.equal(operationalSubjectId('ep_1'), 'endpoint.ep_1');
    assert.equal(endpointIdOf({ subjectId: 'endpoint.ep_1', data: {} }), 'ep_1');
    assert.equal(endpointIdOf({ subjectId: 'endpoint.ep_1', data: { endpointId: 'ep_2' } }), 'ep_1');
    // a type added later about something else, which still names an endpoint in its data
    assert.equal(endpointIdOf({ subjectId: 'tenant.x', data: { endpointId: 'ep_3' } }), 'ep_3');
    assert.equal(endpointIdOf({ subjectId: 'signing-key.k1', data: { kid: 'k1' } }), null);
    assert.equal(endpointIdOf({ subjectId: 'endpoint.', data: null }), null);
    assert.equal(endpointIdOf({ subjectId: 'retention', data: { endpointId: 7 } }), null);
  });

  test('tones: known states and types coloured, anything else muted', () => {
    assert.deepEqual(['healthy', 'failing', 'disabled', 'rotated', null, undefined].map(healthTone), [
      'ok',
      'warn',
      'bad',
      'muted',
      'muted',
      'muted',
    ]);
    assert.deepEqual(
      [
        'endpoint.recovered',
        'endpoint.failing',
        'endpoint.disabled',
        'delivery.dead-lettered',
        'signing-key.rotated',
        'retention.completed',
      ].map(typeTone),
      ['ok', 'warn', 'bad', 'bad', 'muted', 'muted'],
    );
  });

  test("details: the data's own order, shown keys left out, non-strings as JSON, long values cut", () => {
    const data = {
      endpointId: 'ep_1',
      url: 'https://x.example/hook',
      deliveryId: 'dlv_1',
      attempts: 3,
      lastError: 'e'.repeat(1000),
      nested: { a: [1, null] },
      flag: false,
      nothing: null,
    };
    const details = detailsOf(data, ['endpointId', 'url']);
    assert.deepEqual(
      details.map((d) => d.key),
      ['deliveryId', 'attempts', 'lastError', 'nested', 'flag', 'nothing'],
    );
    assert.equal(details[1]?.value, '3');
    assert.equal(details[2]?.value.length, DETAIL_MAX);
    assert.ok(details[2]?.value.endsWith('…'));
    assert.equal(details[3]?.value, '{"a":[1,null]}');
    assert.equal(details[4]?.value, 'false');
    assert.equal(details[5]?.value, 'null');
    assert.deepEqual(detailsOf(null), []);
    assert.deepEqual(detailsOf('text'), []);
    assert.deepEqual(detailsOf([1, 2]), []);
    assert.deepEqual(detailsOf({ a: 'x'.repeat(DETAIL_MAX) }), [{ key: 'a', value: 'x'.repeat(DETAIL_MAX) }]);
  });

  test('history window: the newest page first, then back to the oldest, never past it', () => {
    assert.deepEqual(historyWindow(null, 50, 0), { offset: 0, limit: 50 });
    assert.deepEqual(historyWindow(120, 50, 0), { offset: 70, limit: 50 });
    assert.deepEqual(historyWindow(120, 50, 1), { offset: 20, limit: 50 });
    assert.deepEqual(historyWindow(120, 50, 2), { offset: 0, limit: 20 });
    assert.deepEqual(historyWindow(100, 50, 1), { offset: 0, limit: 50 });
    // a page past the start asks for one event from the start rather than limit 0 (the route refuses 0)
    assert.deepEqual(historyWindow(100, 50, 2), { offset: 0, limit: 1 });
    assert.deepEqual([hasOlder(120, 50, 0), hasOlder(120, 50, 1), hasOlder(120, 50, 2)], [true, true, false]);
    assert.equal(hasOlder(100, 50, 1), false);
    assert.equal(hasOlder(50, 50, 0), false);
  });

  test('newest first leaves the answer as it came', () => {
    const events = [1, 2, 3];
    assert.deepEqual(newestFirst(events), [3, 2, 1]);
    assert.deepEqual(events, [1, 2, 3]);
  });
});
