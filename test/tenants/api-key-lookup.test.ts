import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApiKeyRecord } from '../../src/storage/store.js';
import { ApiKeyLookup } from '../../src/tenants/api-key-lookup.js';

const record: ApiKeyRecord = {
  id: 'k1',
  tenantId: 't1',
  name: 'n',
  secretHash: 'ab',
  scopes: ['read'],
  createdAt: '2026-01-01T00:00:00.000Z',
  revokedAt: null,
};

function countingStore() {
  const calls: string[] = [];
  const getApiKey = async (id: string) => {
    calls.push(id);
    return id === 'k1' ? record : null;
  };
  return { calls, getApiKey };
}

test('a found key is reused within the TTL and read again after forget()', async () => {
  const store = countingStore();
  const lookup = new ApiKeyLookup(store, 60_000);
  assert.equal(await lookup.find('k1'), record);
  assert.equal(await lookup.find('k1'), record);
  assert.deepEqual(store.calls, ['k1']);
  lookup.forget('k1');
  await lookup.find('k1');
  assert.deepEqual(store.calls, ['k1', 'k1']);
});

test('unknown ids are never cached, and a zero TTL always reads', async () => {
  const store = countingStore();
  const lookup = new ApiKeyLookup(store, 0);
  assert.equal(await lookup.find('nope'), null);
  assert.equal(await lookup.find('nope'), null);
  await lookup.find('k1');
  await lookup.find('k1');
  assert.deepEqual(store.calls, ['nope', 'nope', 'k1', 'k1']);
});
