import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

const CLI = join(process.cwd(), 'dist/src/cli/main.js');
const dataDir = mkdtempSync(join(tmpdir(), 'tidings-cli-'));

function tidings(...args: string[]) {
  const env = { PATH: process.env.PATH ?? '', TIDINGS_DATA_DIR: dataDir, TIDINGS_LOG_LEVEL: 'silent' };
  const run = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout: 30_000 });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

describe('the tidings CLI', () => {
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('tenants create prints an id and an API key that the store accepts', () => {
    const run = tidings('tenants', 'create', 'Acme Registration Desk');
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /tenant id: [0-9a-f-]{36}/);
    assert.match(run.out, /api key:\s+tdk_[0-9a-f]{32}_[A-Za-z0-9_-]{32}/);
    const list = tidings('tenants', 'list');
    assert.match(list.out, /Acme Registration Desk/);
  });

  test('migrate is idempotent', () => {
    assert.equal(tidings('migrate').code, 0);
    assert.equal(tidings('migrate').code, 0);
  });

  test('workflows list and show', () => {
    const list = tidings('workflows', 'list');
    assert.equal(list.code, 0, list.err);
    assert.equal(list.out.trim().split('\n').length, 10); // the nine of product.md and `operational`
    // operational's states: an endpoint's health, a signing key rotated, retention run (docs/operational-events.md)
    assert.match(list.out, /^operational\s+native\s+healthy, failing, disabled, rotated, pruned$/m);
    const show = tidings('workflows', 'show', 'image-check');
    assert.equal(JSON.parse(show.out).name, 'image-check');
  });

  test('bad arguments give a clear message and exit code 2', () => {
    for (const args of [
      ['frobnicate'],
      ['tenants', 'create'],
      ['workflows', 'show', 'nope'],
      ['serve', '--role', 'boss'],
      ['serve', '--bogus'],
    ]) {
      const run = tidings(...args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.err}`);
      assert.match(run.err, /^tidings: /);
    }
  });

  test("openapi prints the API's document, also where TIDINGS_ROLE=worker (a worker builds no API routes)", () => {
    const run = spawnSync(process.execPath, [CLI, 'openapi', '--role', 'worker'], {
      env: { PATH: process.env.PATH ?? '', TIDINGS_DATA_DIR: dataDir, TIDINGS_ROLE: 'worker' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), readFileSync(join(process.cwd(), 'openapi.json'), 'utf8').trim());
  });

  test('a bad configuration names every problem and exits 2', () => {
    const run = spawnSync(process.execPath, [CLI, 'migrate'], {
      env: { PATH: process.env.PATH ?? '', PORT: 'x', TIDINGS_ROLE: 'boss' },
      encoding: 'utf8',
    });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /port must be/);
    assert.match(run.stderr, /role must be/);
  });
});
