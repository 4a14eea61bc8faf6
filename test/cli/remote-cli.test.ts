import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CloudEvent, parseEvent, verifySet, verifyWebhook } from '@tidings/sdk';
import { startReceiver } from '../delivery/receiver.js';
import { type LiveServer, startLiveServer, videoidRequest } from '../sdk/sdk-kit.js';

const CLI = join(process.cwd(), 'dist/src/cli/main.js');

/** Runs the CLI in a child process (never spawnSync: the server answers from this process's event loop). */
function tidings(server: LiveServer | null, args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      ...(server ? { TIDINGS_URL: server.url, TIDINGS_API_KEY: server.apiKey } : {}),
      ...env,
    },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => {
    out += c;
  });
  child.stderr.on('data', (c) => {
    err += c;
  });
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, out, err })),
  );
  return { child, done, output: () => out };
}

async function waitForLines(read: () => string, n: number, timeoutMs = 10_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = read().split('\n').filter(Boolean);
    if (lines.length >= n) return lines;
    if (Date.now() > deadline) throw new Error(`got ${lines.length} of ${n} lines: ${read()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stop(child: ChildProcess) {
  child.kill('SIGINT');
}

describe('the developer CLI against a live server', () => {
  let server: LiveServer;
  const dir = mkdtempSync(join(tmpdir(), 'tidings-cli-remote-'));
  before(async () => {
    server = await startLiveServer();
    await videoidRequest(server, 'before-listen');
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('listen forwards each new event as a signed push, retries a 503, prints one line per try', async () => {
    const receiver = await startReceiver((_req, res, n) => res.writeHead(n === 1 ? 503 : 204).end());
    const run = tidings(server, ['listen', '--forward-to', receiver.url, '--json', '--retry-schedule', '100ms,100ms']);
    try {
      const [ready] = await waitForLines(run.output, 1);
      const { secret, format } = JSON.parse(ready!) as { secret: string; format: string };
      assert.equal(format, 'native');
      await videoidRequest(server, 'listened');
      const pushes = await receiver.waitFor(3);
      // Only events from now on: the one made before listen started is not forwarded.
      const bodies: CloudEvent[] = [];
      for (const push of pushes) {
        const verified = await verifyWebhook({ headers: push.headers, body: push.body }, secret);
        bodies.push(parseEvent('native', verified.payload));
        assert.equal(push.headers['content-type'], 'application/cloudevents+json');
      }
      assert.deepEqual(
        bodies.map((b) => `${b.subject} ${b.eventtype}`),
        ['listened REQUEST_CREATED', 'listened REQUEST_CREATED', 'listened VIDEOID_UPDATED'],
      );
      assert.equal(pushes[0]!.headers['webhook-id'], pushes[1]!.headers['webhook-id'], 'a retry keeps its webhook-id');
      const lines = (await waitForLines(run.output, 4)).slice(1).map((l) => JSON.parse(l));
      assert.deepEqual(
        lines.map((l) => [l.status, l.attempt, l.ok]),
        [
          [503, 1, false],
          [204, 2, true],
          [204, 1, true],
        ],
      );
      assert.ok(lines.every((l) => typeof l.latencyMs === 'number'));
    } finally {
      stop(run.child);
      await receiver.close();
    }
    assert.equal((await run.done).code, 0, 'Ctrl-C ends listen with 0');
  });

  test('listen --format vendor forwards the seed format the push would carry, and filters by --events', async () => {
    const receiver = await startReceiver();
    const run = tidings(server, [
      'listen',
      '--forward-to',
      receiver.url,
      '--format',
      'vendor',
      '--events',
      'VIDEOID_UPDATED',
    ]);
    try {
      const lines = await waitForLines(run.output, 3);
      const secret = /whsec_\S+/.exec(lines.join('\n'))![0];
      await videoidRequest(server, 'vendor-1');
      const [push] = await receiver.waitFor(1);
      const verified = await verifyWebhook({ headers: push!.headers, body: push!.body }, secret);
      const envelope = parseEvent('uanataca', verified.payload);
      assert.equal(envelope.event_type, 'VIDEOID_UPDATED');
      assert.equal(envelope.request.status, 'VIDEOREVIEW');
      const human = await waitForLines(run.output, 4);
      assert.match(human[3]!, /204 +\d+ ms {2}videoid-request vendor-1 VIDEOID_UPDATED/);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(receiver.received.length, 1, 'REQUEST_CREATED was filtered out');
    } finally {
      stop(run.child);
      await receiver.close();
    }
  });

  test('listen --stream forwards an RFC 8936 stream as SET pushes and acknowledges them', async () => {
    const receiver = await startReceiver();
    const stream = await server.call<{ id: string }>('POST', '/v1/streams', {
      name: 'listen',
      workflows: ['fit-case'],
    });
    const run = tidings(server, ['listen', '--forward-to', receiver.url, '--stream', stream.id]);
    try {
      const lines = await waitForLines(run.output, 3);
      assert.match(lines[0]!, /forwarding poll stream /);
      const secret = /whsec_\S+/.exec(lines.join('\n'))![0];
      await server.call('POST', '/v1/subjects', { workflow: 'fit-case', id: 'streamed-case' });
      const [push] = await receiver.waitFor(1);
      assert.equal(push!.headers['content-type'], 'application/secevent+jwt');
      const verified = await verifyWebhook({ headers: push!.headers, body: push!.body }, secret);
      const set = await verifySet(String(verified.payload), `${server.url}/.well-known/jwks.json`);
      assert.equal(set.claims.sub, 'case:streamed-case');
      const human = await waitForLines(run.output, 4);
      assert.match(human[3]!, /204 +\d+ ms {2}stream case:streamed-case create-case/);
    } finally {
      stop(run.child);
      await receiver.close();
    }
    assert.equal((await run.done).code, 0);
    const left = await server.call<{ sets: Record<string, string> }>('POST', `/v1/streams/${stream.id}/poll`, {
      returnImmediately: true,
    });
    assert.deepEqual(left.sets, {}, 'the forwarded SET was acknowledged');
  });

  test('events tail, subjects show and endpoints: human output and --json shapes', async () => {
    const tail = await tidings(server, ['events', 'tail', '--subject', 'before-listen', '--json']).done;
    assert.equal(tail.code, 0, tail.err);
    const events = tail.out
      .trim()
      .split('\n')
      .map((l) => parseEvent('native', JSON.parse(l)));
    assert.deepEqual(
      events.map((e) => e.eventtype),
      ['REQUEST_CREATED', 'VIDEOID_UPDATED'],
    );
    const human = await tidings(server, ['events', 'tail', '--count', '1', '--subject', 'before-listen']).done;
    assert.equal(human.out.trim().split('\n').length, 1);
    assert.match(human.out, /VIDEOPENDING → VIDEOREVIEW/);

    const show = await tidings(server, ['subjects', 'show', 'before-listen', '--json']).done;
    const shown = JSON.parse(show.out) as { subject: { status: string }; timeline: Array<{ type: string }> };
    assert.equal(shown.subject.status, 'VIDEOREVIEW');
    assert.deepEqual(
      shown.timeline.map((t) => t.type),
      ['REQUEST_CREATED', 'VIDEOID_UPDATED'],
    );
    const showHuman = await tidings(server, ['subjects', 'show', 'before-listen']).done;
    assert.match(showHuman.out, /timeline \(2 events, signatures verified\)/);

    const created = await tidings(server, ['endpoints', 'create', 'http://127.0.0.1:9/x', '--json']).done;
    const endpoint = JSON.parse(created.out) as { id: string; secret: string };
    assert.match(endpoint.secret, /^whsec_/);
    const listed = JSON.parse((await tidings(server, ['endpoints', 'list', '--json']).done).out) as Array<{
      id: string;
    }>;
    assert.ok(listed.some((e) => e.id === endpoint.id));
    const test1 = await tidings(server, ['endpoints', 'test', endpoint.id]).done;
    assert.equal(test1.code, 1, 'nothing listens on port 9');
    assert.match(test1.out, /FAILED/);
    const rotated = JSON.parse((await tidings(server, ['endpoints', 'rotate-secret', endpoint.id, '--json']).done).out);
    assert.notEqual(rotated.secret, endpoint.secret);
  });

  test('events tail --follow prints new events as they come until Ctrl-C', async () => {
    const run = tidings(server, ['events', 'tail', '--follow', '--subject', 'followed']);
    try {
      const [first] = await waitForLines(run.output, 1);
      assert.equal(first, '(no events yet; waiting for some, Ctrl-C stops)');
      await videoidRequest(server, 'followed');
      const lines = await waitForLines(run.output, 3);
      assert.match(lines[1]!, /followed +REQUEST_CREATED +∅ → VIDEOPENDING/);
      assert.match(lines[2]!, /followed +VIDEOID_UPDATED +VIDEOPENDING → VIDEOREVIEW/);
    } finally {
      stop(run.child);
    }
    assert.equal((await run.done).code, 0);
  });

  test('exit codes a script can trust, and errors that say what to do', async () => {
    const missing = await tidings(server, ['subjects', 'show', 'no-such-subject']).done;
    assert.equal(missing.code, 5);
    assert.match(missing.err, /not found/);
    const badKey = await tidings(server, ['events', 'tail'], { TIDINGS_API_KEY: 'tdk_nope' }).done;
    assert.equal(badKey.code, 4);
    assert.match(badKey.err, /check --api-key or TIDINGS_API_KEY/);
    const down = await tidings(null, ['events', 'tail', '--url', 'http://127.0.0.1:1', '--api-key', 'tdk_x']).done;
    assert.equal(down.code, 3);
    assert.match(down.err, /is the server running/);
    const noKey = await tidings(null, ['events', 'tail']).done;
    assert.equal(noKey.code, 2);
    assert.match(noKey.err, /set TIDINGS_API_KEY/);
    const usage = await tidings(server, ['listen']).done;
    assert.equal(usage.code, 2);
    assert.match(usage.err, /--forward-to URL/);
    const help = await tidings(null, ['listen', '--help']).done;
    assert.equal(help.code, 0);
    assert.match(help.out, /^usage: tidings listen --forward-to URL/);
  });

  test('replay re-queues dead letters and follows them with a progress bar; deliveries retry one', async () => {
    let healthy = false;
    const receiver = await startReceiver((_req, res) => res.writeHead(healthy ? 204 : 500).end());
    try {
      const endpoint = await server.call<{ id: string }>('POST', '/v1/endpoints', {
        url: receiver.url,
        workflows: ['idv-transaction'],
      });
      await server.call('POST', '/v1/subjects', { workflow: 'idv-transaction', id: 'replay-1' });
      await server.call('POST', '/v1/subjects', { workflow: 'idv-transaction', id: 'replay-2' });
      const deadline = Date.now() + 30_000;
      let failed: Array<{ id: string }> = [];
      while (failed.length < 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        failed = (
          await server.call<{ deliveries: Array<{ id: string }> }>(
            'GET',
            `/v1/endpoints/${endpoint.id}/deliveries?status=failed`,
          )
        ).deliveries;
      }
      assert.equal(failed.length, 2, 'both dead-lettered after the fast schedule');
      healthy = true;
      const retried = await tidings(server, ['deliveries', 'retry', failed[0]!.id]).done;
      assert.equal(retried.code, 0, retried.err);
      const run = await tidings(server, ['replay', '--endpoint', endpoint.id, '--since', '1h']).done;
      assert.equal(run.code, 0, run.err + run.out);
      assert.match(run.out, /queued \d deliveries/);
      assert.match(run.out, /\[#{30}\] \d\/\d done, 0 failed/);
    } finally {
      await receiver.close();
    }
  });

  test('verify names the failing check of a saved request', async () => {
    const receiver = await startReceiver();
    try {
      const endpoint = await server.call<{ secret: string }>('POST', '/v1/endpoints', {
        url: receiver.url,
        workflows: ['image-check'],
      });
      await server.call('POST', '/v1/subjects', {
        workflow: 'image-check',
        id: 'IMG-V',
        attributes: { ImageType: 'Gallery' },
      });
      const [push] = await receiver.waitFor(1);
      const saved = join(dir, 'push.json');
      writeFileSync(saved, JSON.stringify({ headers: push!.headers, body: push!.body }));
      const good = await tidings(null, ['verify', '--request', saved, '--secret', endpoint.secret, '--json']).done;
      assert.equal(good.code, 0, good.out);
      assert.equal(JSON.parse(good.out).ok, true);
      const raw = join(dir, 'push.http');
      const head = Object.entries(push!.headers).map(([k, v]) => `${k}: ${v}`);
      writeFileSync(raw, `POST /hook HTTP/1.1\r\n${head.join('\r\n')}\r\n\r\n${push!.body.replace('IMG-V', 'IMG-W')}`);
      const tampered = await tidings(null, ['verify', '--request', raw, '--secret', endpoint.secret]).done;
      assert.equal(tampered.code, 1);
      assert.match(tampered.out, /FAIL {2}signature +webhook_signature_mismatch/);
      assert.match(tampered.out, /ok {4}timestamp/);
    } finally {
      await receiver.close();
    }
  });
});
