import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { createRuntime } from '../../src/server/create-runtime.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';

test('the committed openapi.json is what the route schemas generate (regenerate: npm run openapi)', async () => {
  const runtime = await createRuntime(loadConfig({}), { store: new SqliteStore({ path: ':memory:' }) });
  try {
    await runtime.app.ready();
    const generated = JSON.stringify(runtime.app.swagger(), null, 2);
    const committed = readFileSync(join(process.cwd(), 'openapi.json'), 'utf8').trim();
    assert.equal(committed, generated);
  } finally {
    await runtime.close();
  }
});

test('every documented route answers errors with the shared Error schema', async () => {
  const doc = JSON.parse(readFileSync(join(process.cwd(), 'openapi.json'), 'utf8'));
  assert.equal(doc.openapi, '3.1.0');
  for (const path of [
    '/v1/tenants',
    '/v1/subjects',
    '/v1/subjects/{id}',
    '/v1/subjects/{id}/events',
    '/v1/workflows',
  ]) {
    assert.ok(doc.paths[path], `${path} is documented`);
  }
  assert.ok(doc.components.schemas.Error, 'the Error schema is a component');
});
