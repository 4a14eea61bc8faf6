import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { ConfigError, DEFAULTS, loadConfig } from '../../src/config/config.js';

describe('configuration', () => {
  test('defaults match product.md: 127.0.0.1:8080, ./data, role all, issuer from host and port', () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.dataDir, './data');
    assert.equal(config.role, 'all');
    assert.equal(config.issuer, 'http://127.0.0.1:8080');
    assert.equal(config.databaseUrl, null);
    assert.equal(config.adminToken, null);
    assert.deepEqual(config.retrySchedule, [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
  });

  test('the shipped default file says the same as the defaults in code', () => {
    const file = parse(readFileSync(join(process.cwd(), 'tidings.config.default.yaml'), 'utf8'));
    assert.deepEqual(file, { ...DEFAULTS });
  });

  test('environment wins over the file', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tidings-config-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'c.yaml');
    writeFileSync(path, 'port: 9000\nrole: worker\nretrySchedule: [1s, 2s]\n');
    const config = loadConfig({ TIDINGS_CONFIG: path, PORT: '9100' });
    assert.equal(config.port, 9100);
    assert.equal(config.role, 'worker');
    assert.deepEqual(config.retrySchedule, [1000, 2000]);
  });

  test('every problem is reported at once, and nothing else is accepted', () => {
    assert.throws(
      () =>
        loadConfig({
          PORT: 'eighty',
          TIDINGS_ROLE: 'boss',
          DATABASE_URL: 'mysql://x',
          TIDINGS_RETRY_SCHEDULE: '5s,soon',
          TIDINGS_ALLOW_INSECURE_ENDPOINTS: 'maybe',
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.problems.length, 5, error.message);
        return true;
      },
    );
  });

  test('TIDINGS_SQLITE_FSYNC: off-loop by default, commit read, anything else refused', () => {
    assert.equal(loadConfig({}).sqliteFsync, 'off-loop');
    assert.equal(loadConfig({ TIDINGS_SQLITE_FSYNC: 'commit' }).sqliteFsync, 'commit');
    assert.throws(() => loadConfig({ TIDINGS_SQLITE_FSYNC: 'auto' }), /sqliteFsync must be off-loop or commit/);
  });

  test('TIDINGS_ENDPOINT_FAILING_AFTER: 1h by default, read, refused when not a duration', () => {
    assert.equal(loadConfig({}).endpointFailingAfterMs, 3_600_000);
    assert.equal(loadConfig({ TIDINGS_ENDPOINT_FAILING_AFTER: '15m' }).endpointFailingAfterMs, 900_000);
    assert.throws(
      () => loadConfig({ TIDINGS_ENDPOINT_FAILING_AFTER: 'later' }),
      /endpointFailingAfterMs must be a duration like 500ms, 5s, 2h, from 0s to 365d/,
    );
  });

  test('TIDINGS_WORKER_PORT: unset by default (a worker does not listen), read, refused out of range', () => {
    assert.equal(loadConfig({}).workerPort, null);
    assert.equal(loadConfig({ TIDINGS_WORKER_PORT: '9464' }).workerPort, 9464);
    assert.equal(loadConfig({ TIDINGS_WORKER_PORT: '0' }).workerPort, 0);
    for (const bad of ['abc', '70000', '-1', '80.5']) {
      assert.throws(
        () => loadConfig({ TIDINGS_WORKER_PORT: bad }),
        /workerPort must be a whole number from 0 to 65535/,
        bad,
      );
    }
  });

  test('TIDINGS_RETRY_SCHEDULE: a malformed step is named (the message an endpoint retrySchedule repeats)', () => {
    assert.deepEqual(loadConfig({ TIDINGS_RETRY_SCHEDULE: '1s,2m' }).retrySchedule, [1_000, 120_000]);
    assert.throws(
      () => loadConfig({ TIDINGS_RETRY_SCHEDULE: '1s,5x' }),
      /retrySchedule has a malformed delay "5x" \(units ms, s, m, h, d\)/,
    );
  });

  test('push settings: defaults, read from the environment, refused outside their range', () => {
    const defaults = loadConfig({});
    assert.equal(defaults.pushTimeoutMs, 30_000);
    assert.equal(defaults.pushConnectTimeoutMs, 10_000);
    assert.equal(defaults.pushConcurrency, 64);
    assert.equal(defaults.disableAfterFailingMs, 5 * 86_400_000);
    const set = loadConfig({
      TIDINGS_PUSH_TIMEOUT: '2s',
      TIDINGS_PUSH_CONNECT_TIMEOUT: '500ms',
      TIDINGS_PUSH_CONCURRENCY: '8',
      TIDINGS_DISABLE_AFTER: '12h',
    });
    assert.deepEqual(
      [set.pushTimeoutMs, set.pushConnectTimeoutMs, set.pushConcurrency, set.disableAfterFailingMs],
      [2_000, 500, 8, 43_200_000],
    );
    assert.throws(
      () =>
        loadConfig({
          TIDINGS_PUSH_TIMEOUT: '0s',
          TIDINGS_PUSH_CONNECT_TIMEOUT: '1h',
          TIDINGS_PUSH_CONCURRENCY: '0',
          TIDINGS_DISABLE_AFTER: 'soon',
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.problems.length, 4, error.message);
        assert.match(error.message, /pushTimeoutMs must be a duration like 500ms, 5s, 2h, from 100ms to 10m/);
        return true;
      },
    );
  });

  test('database timeouts: defaults, read from the environment, the server cancels before the client gives up', () => {
    const defaults = loadConfig({});
    assert.deepEqual(
      [
        defaults.dbStatementTimeoutMs,
        defaults.dbQueryTimeoutMs,
        defaults.dbConnectTimeoutMs,
        defaults.dbKeepAliveDelayMs,
      ],
      [10_000, 12_000, 5_000, 10_000],
    );
    const set = loadConfig({
      TIDINGS_DB_STATEMENT_TIMEOUT: '1500ms',
      TIDINGS_DB_QUERY_TIMEOUT: '2s',
      TIDINGS_DB_CONNECT_TIMEOUT: '1s',
      TIDINGS_DB_KEEPALIVE_DELAY: '0s',
    });
    assert.deepEqual(
      [set.dbStatementTimeoutMs, set.dbQueryTimeoutMs, set.dbConnectTimeoutMs, set.dbKeepAliveDelayMs],
      [1_500, 2_000, 1_000, 0],
    );
    // the README's "`0`: off" is written without a unit
    assert.equal(loadConfig({ TIDINGS_DB_KEEPALIVE_DELAY: '0' }).dbKeepAliveDelayMs, 0);
    assert.throws(() => loadConfig({ TIDINGS_DB_KEEPALIVE_DELAY: '5' }), ConfigError, 'other numbers need a unit');
    assert.throws(
      () => loadConfig({ TIDINGS_DB_STATEMENT_TIMEOUT: '30s', TIDINGS_DB_QUERY_TIMEOUT: '12s' }),
      /dbStatementTimeoutMs must be shorter than dbQueryTimeoutMs/,
    );
    assert.throws(
      () => loadConfig({ TIDINGS_DB_QUERY_TIMEOUT: '0s', TIDINGS_DB_CONNECT_TIMEOUT: 'never' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /dbQueryTimeoutMs must be a duration like 500ms, 5s, 2h, from 100ms to 1h/);
        assert.match(error.message, /dbConnectTimeoutMs must be a duration/);
        return true;
      },
    );
  });

  test('an unknown key in the file is refused, not ignored', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tidings-config-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'c.json');
    writeFileSync(path, JSON.stringify({ prot: 8080 }));
    assert.throws(() => loadConfig({ TIDINGS_CONFIG: path }), /unknown setting prot/);
  });

  test('the key-encryption key is 32 bytes, in hex or base64', () => {
    const hex = 'ab'.repeat(32);
    assert.deepEqual(loadConfig({ TIDINGS_KEY_ENCRYPTION_KEY: hex }).keyEncryptionKey, Buffer.from(hex, 'hex'));
    const b64 = Buffer.alloc(32, 7).toString('base64');
    assert.equal(loadConfig({ TIDINGS_KEY_ENCRYPTION_KEY: b64 }).keyEncryptionKey?.length, 32);
    assert.throws(() => loadConfig({ TIDINGS_KEY_ENCRYPTION_KEY: 'short' }), /keyEncryptionKey must be 32 bytes/);
  });

  test('key encryption keys: id:key entries newest first; the single key is the key default; not both', () => {
    const a = 'ab'.repeat(32);
    const b = Buffer.alloc(32, 9).toString('base64');
    const listed = loadConfig({ TIDINGS_KEY_ENCRYPTION_KEYS: `2026-12:${b}, 2026-01:${a}` }).keyEncryptionKeys;
    assert.deepEqual(
      listed.map((k) => [k.id, k.key.toString('hex')]),
      [
        ['2026-12', Buffer.alloc(32, 9).toString('hex')],
        ['2026-01', a],
      ],
    );
    assert.deepEqual(
      loadConfig({ TIDINGS_KEY_ENCRYPTION_KEY: a }).keyEncryptionKeys.map((k) => k.id),
      ['default'],
    );
    assert.deepEqual(loadConfig({}).keyEncryptionKeys, []);
    assert.throws(() => loadConfig({ TIDINGS_KEY_ENCRYPTION_KEYS: 'k1:short' }), /keyEncryptionKeys must be id:key/);
    assert.throws(() => loadConfig({ TIDINGS_KEY_ENCRYPTION_KEYS: `bad id:${a}` }), /keyEncryptionKeys must be id:key/);
    assert.throws(() => loadConfig({ TIDINGS_KEY_ENCRYPTION_KEYS: `k:${a},k:${a}` }), /names the key k twice/);
    assert.throws(
      () => loadConfig({ TIDINGS_KEY_ENCRYPTION_KEYS: `k:${a}`, TIDINGS_KEY_ENCRYPTION_KEY: a }),
      /not both/,
    );
  });

  test('a new signing key is published an hour before it signs by default; the lead must be shorter than the overlap', () => {
    assert.equal(loadConfig({}).keyPublishLeadMs, 3_600_000);
    assert.equal(loadConfig({ TIDINGS_KEY_PUBLISH_LEAD: '10m' }).keyPublishLeadMs, 600_000);
    assert.throws(
      () => loadConfig({ TIDINGS_KEY_PUBLISH_LEAD: '2d', TIDINGS_KEY_OVERLAP: '1d' }),
      /keyPublishLeadMs must be shorter than keyOverlapMs/,
    );
  });

  test('TIDINGS_ALLOW_INSECURE_ENDPOINTS=1 and TIDINGS_ISSUER are read', () => {
    const config = loadConfig({ TIDINGS_ALLOW_INSECURE_ENDPOINTS: '1', TIDINGS_ISSUER: 'https://tidings.example' });
    assert.equal(config.allowInsecureEndpoints, true);
    assert.equal(config.issuer, 'https://tidings.example');
  });
});
