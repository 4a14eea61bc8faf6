import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { admit, type EndpointCapacity, SHORT_QUEUE } from '../../src/delivery/fan-out-admission.js';

/** The fan-out's admission, pure: which outbox rows are consumed, which deliveries go out leased. */
const endpoint = (over: Partial<EndpointCapacity> = {}): EndpointCapacity => ({
  free: 0,
  queued: 0,
  failing: false,
  keepsUp: true,
  ...over,
});
const to = (...endpointIds: string[]) => endpointIds.map((endpointId) => ({ endpointId, held: false }));

describe('fan-out admission', () => {
  test('leases while the endpoint has slots, then the outbox waits for an endpoint keeping up', () => {
    const capacity = new Map([['a', endpoint({ free: 2 })]]);
    const admission = admit([to('a'), to('a'), to('a'), to('a')], capacity, 100);
    assert.deepEqual(admission, { consumed: 2, leased: [[true], [true]] });
    assert.equal(capacity.get('a')?.free, 0, 'its slots are taken');
  });

  test('an endpoint not keeping up gets pending rows, and so do its later deliveries, without holding the outbox', () => {
    const capacity = new Map([
      ['slow', endpoint({ free: 1, keepsUp: false })],
      ['fast', endpoint({ free: 3 })],
    ]);
    const admission = admit([to('slow', 'fast'), to('slow', 'fast'), to('fast')], capacity, 100);
    assert.deepEqual(admission.leased, [[true, true], [false, true], [true]]);
    assert.equal(capacity.get('slow')?.queued, 1, 'one queued in rows');
  });

  test('a row is consumed whole or not at all', () => {
    const capacity = new Map([
      ['a', endpoint({ free: 5 })],
      ['b', endpoint({ free: 1 })],
    ]);
    const admission = admit([to('a', 'b'), to('a', 'b')], capacity, 100);
    assert.deepEqual(admission, { consumed: 1, leased: [[true, true]] });
    assert.equal(capacity.get('a')?.free, 4, "the second row's slot at a is not taken");
  });

  test('held, failing and queued-behind deliveries are written pending; a long queue holds nobody up', () => {
    const capacity = new Map([
      ['ordered', endpoint({ free: 5 })],
      ['failing', endpoint({ free: 1, failing: true })],
      ['short', endpoint({ free: 5, queued: 3 })],
      ['long', endpoint({ free: 5, queued: SHORT_QUEUE + 1 })],
    ]);
    const held = { endpointId: 'ordered', held: true };
    assert.deepEqual(admit([[held], to('failing'), to('long')], capacity, 100), {
      consumed: 3,
      leased: [[false], [false], [false]],
    });
    assert.equal(admit([to('short')], capacity, 100).consumed, 0, 'a short queue in rows goes out first');
  });

  test('at most `limit` deliveries are leased; then the outbox waits', () => {
    const capacity = new Map([['a', endpoint({ free: 10 })]]);
    assert.deepEqual(admit([to('a'), to('a'), to('a')], capacity, 2), { consumed: 2, leased: [[true], [true]] });
  });

  test('an outbox row that creates no delivery is consumed', () => {
    assert.deepEqual(admit([[], []], new Map(), 0), { consumed: 2, leased: [[], []] });
  });
});
