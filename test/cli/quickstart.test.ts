import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { verifyPush } from '../../src/cli/quickstart.js';
import { newHmacSecret } from '../../src/delivery/webhook-signature.js';

const CLI = join(process.cwd(), 'dist/src/cli/main.js');
const dataDir = mkdtempSync(join(tmpdir(), 'tidings-quickstart-'));

function tidings(...args: string[]) {
  const env = { PATH: process.env.PATH ?? '', TIDINGS_DATA_DIR: dataDir };
  const run = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout: 60_000 });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

describe('tidings quickstart', () => {
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('walks a subject and shows each signed push arriving and verified; run twice, it reuses its tenant', () => {
    const first = tidings('quickstart');
    assert.equal(first.code, 0, first.out + first.err);
    assert.match(first.out, /tenant "Quickstart" [0-9a-f-]{36} created, API key tdk_/);
    const verified = (out: string) => out.match(/tidings\.videoid-request\.\w+ {2}signature verified/g) ?? [];
    assert.deepEqual(
      verified(first.out).map((l) => l.split(/\s+/)[0]),
      [
        'tidings.videoid-request.REQUEST_CREATED',
        'tidings.videoid-request.VIDEOID_UPDATED',
        'tidings.videoid-request.REQUEST_APPROVED',
      ],
    );
    assert.match(first.out, /curl -s -X POST http:\/\/127\.0\.0\.1:8080\/v1\/endpoints/);

    const second = tidings('quickstart');
    assert.equal(second.code, 0, second.out + second.err);
    assert.match(second.out, /tenant "Quickstart" [0-9a-f-]{36} \(already there\), new API key tdk_/);
    assert.equal(verified(second.out).length, 3);
    const tenants = tidings('tenants', 'list').out.trim().split('\n');
    assert.equal(tenants.filter((l) => l.endsWith('  Quickstart')).length, 1);
    // the second run replaced the first run's endpoint: its pushes went to the second receiver only
    assert.doesNotMatch(second.out, /NOT verified/);
  });

  test('its verification accepts what a Standard Webhooks signer signs, and nothing altered', () => {
    const secret = newHmacSecret();
    const body = '{"type":"x"}';
    const now = new Date();
    const signature = new Webhook(secret).sign('msg_1', now, body);
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signature,
    };
    assert.equal(verifyPush({ headers, body }, secret, now.getTime()), null);
    assert.match(verifyPush({ headers, body: '{"type":"y"}' }, secret, now.getTime()) ?? '', /no signature matches/);
    assert.match(verifyPush({ headers, body }, newHmacSecret(), now.getTime()) ?? '', /no signature matches/);
    assert.match(verifyPush({ headers, body }, secret, now.getTime() + 600_000) ?? '', /5 minutes/);
  });
});
