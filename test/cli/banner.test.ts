import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { baseUrl, formatBanner, storageLocation, tidingsVersion } from '../../src/cli/banner.js';

describe('the start banner', () => {
  test('names the storage and where its data lives, never a database password', () => {
    assert.match(
      storageLocation({ databaseUrl: null, dataDir: './data' }),
      /^SQLite, data in \/.*\/data\/tidings\.sqlite$/,
    );
    const pg = storageLocation({
      databaseUrl: 'postgres://tidings:s3cret@db.internal:5432/tidings',
      dataDir: './data',
    });
    assert.equal(pg, 'PostgreSQL at postgres://tidings:***@db.internal:5432/tidings');
  });

  test('a wildcard listen address is shown as one a browser can open', () => {
    assert.equal(baseUrl('0.0.0.0', 8080), 'http://127.0.0.1:8080');
    assert.equal(baseUrl('::1', 8080), 'http://[::1]:8080');
  });

  test('a worker has no addresses; the tenant command shows only while there is none', () => {
    const facts = { version: tidingsVersion(), storage: 'SQLite', hasTenant: true };
    const worker = formatBanner({ ...facts, role: 'worker', url: null });
    assert.doesNotMatch(worker, /console|healthz/);
    assert.doesNotMatch(worker, /tenants create/);
    // with TIDINGS_WORKER_PORT: its operations routes, none of the API's
    const listening = formatBanner({ ...facts, role: 'worker', url: 'http://127.0.0.1:9464' });
    assert.match(listening, /health {4}http:\/\/127\.0\.0\.1:9464\/healthz/);
    assert.match(listening, /metrics {3}http:\/\/127\.0\.0\.1:9464\/metrics/);
    assert.doesNotMatch(listening, /console|API docs/);
    const fresh = formatBanner({ ...facts, role: 'all', url: 'http://127.0.0.1:8080', hasTenant: false });
    assert.match(fresh, /console {3}http:\/\/127\.0\.0\.1:8080\/console/);
    assert.match(fresh, /tenants create/);
    assert.match(fresh, new RegExp(`Tidings ${tidingsVersion().replaceAll('.', '\\.')} `));
  });
});
