import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startReceiver } from '../delivery/receiver.js';
import { type LiveServer, startLiveServer } from '../sdk/sdk-kit.js';

/** The code block that follows `<!-- snippet: NAME ... -->` in a guide page. */
export function snippet(page: string, name: string): string {
  const text = readFileSync(join(process.cwd(), 'docs', page), 'utf8');
  const at = text.indexOf(`<!-- snippet: ${name}`);
  assert.ok(at >= 0, `docs/${page} has no snippet ${name}`);
  const match = /```\w*\n([\s\S]*?)```/.exec(text.slice(at));
  assert.ok(match, `snippet ${name} has no code block`);
  return match[1]!;
}

const has = (tool: string) => spawnSync(tool, ['-version'], { encoding: 'utf8' }).error === undefined;

/** The guide's Python and Java snippets, run against a push a real server made (where the tools exist). */
describe('the integrator guide verifies a real push in Python and Java', () => {
  let server: LiveServer;
  const dir = mkdtempSync(join(tmpdir(), 'tidings-snippets-'));
  let push: { secret: string; id: string; timestamp: string; signature: string; body: string };
  before(async () => {
    server = await startLiveServer();
    const receiver = await startReceiver();
    const endpoint = await server.call<{ secret: string }>('POST', '/v1/endpoints', {
      url: receiver.url,
      format: 'vendor',
    });
    await server.call('POST', '/v1/subjects', { workflow: 'videoid-request', id: 'snippet-1' });
    const [got] = await receiver.waitFor(1);
    await receiver.close();
    push = {
      secret: endpoint.secret,
      id: String(got!.headers['webhook-id']),
      timestamp: String(got!.headers['webhook-timestamp']),
      signature: String(got!.headers['webhook-signature']),
      body: got!.body,
    };
    writeFileSync(join(dir, 'body.json'), push.body);
    writeFileSync(join(dir, 'tampered.json'), push.body.replace('VIDEOPENDING', 'ISSUED'));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const args = (bodyFile: string, secret = push.secret) => [
    secret,
    push.id,
    push.timestamp,
    push.signature,
    join(dir, bodyFile),
  ];

  test('Python', { skip: has('python3') ? false : 'python3 is not installed' }, () => {
    const file = join(dir, 'verify_webhook.py');
    writeFileSync(file, snippet('receiving-pushes.md', 'verify_webhook.py'));
    const ok = spawnSync('python3', [file, ...args('body.json')], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr + ok.stdout);
    assert.equal(ok.stdout.trim(), 'verified');
    const tampered = spawnSync('python3', [file, ...args('tampered.json')], { encoding: 'utf8' });
    assert.equal(tampered.status, 1, tampered.stderr);
    const wrongSecret = spawnSync('python3', [file, ...args('body.json', `whsec_${'A'.repeat(43)}=`)], {
      encoding: 'utf8',
    });
    assert.equal(wrongSecret.status, 1, wrongSecret.stderr);
  });

  test('Java', { skip: has('javac') ? false : 'javac is not installed' }, () => {
    writeFileSync(join(dir, 'VerifyWebhook.java'), snippet('receiving-pushes.md', 'VerifyWebhook.java'));
    const compiled = spawnSync('javac', ['VerifyWebhook.java'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(compiled.status, 0, compiled.stderr);
    const ok = spawnSync('java', ['-cp', dir, 'VerifyWebhook', ...args('body.json')], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr + ok.stdout);
    assert.equal(ok.stdout.trim(), 'verified');
    const tampered = spawnSync('java', ['-cp', dir, 'VerifyWebhook', ...args('tampered.json')], { encoding: 'utf8' });
    assert.equal(tampered.status, 1, tampered.stderr);
  });
});
