import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeliveryRecord } from '../../src/delivery/delivery.js';
import { healthyFirst } from '../../src/delivery/dispatcher.js';
import type { EndpointRecord } from '../../src/delivery/endpoint.js';

const delivery = (id: string, endpointId: string) => ({ id, endpointId }) as DeliveryRecord;
const endpoint = (id: string, failingSince: number | null) => [id, { id, failingSince } as EndpointRecord] as const;

test('a tick starts the pushes of healthy endpoints first, each group in lease order', () => {
  const endpoints = new Map([endpoint('ok', null), endpoint('down-1', 1), endpoint('down-2', 1)]);
  const leased = [delivery('a', 'down-1'), delivery('b', 'ok'), delivery('c', 'down-2'), delivery('d', 'ok')];
  assert.deepEqual(
    healthyFirst(leased, endpoints).map((d) => d.id),
    ['b', 'd', 'a', 'c'],
  );
});

test('with no failing endpoint the lease order stands', () => {
  const endpoints = new Map([endpoint('ok', null)]);
  const leased = [delivery('a', 'ok'), delivery('b', 'ok')];
  assert.equal(healthyFirst(leased, endpoints), leased);
});
