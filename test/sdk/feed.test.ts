import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  backoffDelay,
  type CloudEvent,
  feed,
  memoryCursorStore,
  parseEvent,
  pollStream,
  retryAfterMs,
} from '@tidings/sdk';
import { fileCursorStore } from '@tidings/sdk/node';
import { type LiveServer, startLiveServer, videoidRequest } from './sdk-kit.js';

async function take<T>(source: AsyncIterable<T>, n: number, stop: AbortController): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) {
    out.push(item);
    if (out.length === n) stop.abort();
  }
  return out;
}

describe('backoff arithmetic', () => {
  test('doubles under a ceiling with jitter; Retry-After reads seconds and dates', () => {
    assert.equal(
      backoffDelay(0, { initialMs: 100 }, () => 1),
      100,
    );
    assert.equal(
      backoffDelay(3, { initialMs: 100 }, () => 0),
      400,
    );
    assert.equal(
      backoffDelay(40, { initialMs: 100, maxMs: 1000 }, () => 1),
      1000,
    );
    assert.equal(retryAfterMs('2'), 2000);
    assert.equal(retryAfterMs(new Date(10_000).toUTCString(), 4_000), 6000);
    assert.equal(retryAfterMs('soon'), null);
    assert.equal(retryAfterMs('999999'), 3_600_000);
  });
});

describe('feed() and pollStream() against a live server', () => {
  let server: LiveServer;
  const dir = mkdtempSync(join(tmpdir(), 'tidings-sdk-feed-'));
  before(async () => {
    server = await startLiveServer();
    for (let i = 0; i < 3; i++) await videoidRequest(server, `feed-${i}`);
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('yields the events in order and resumes after the last handled one', async () => {
    const cursorStore = memoryCursorStore();
    const stop = new AbortController();
    const options = { url: server.url, apiKey: server.apiKey, cursorStore, count: 4, pollIntervalMs: 50 };
    const first = await take(feed({ ...options, signal: stop.signal }), 4, stop);
    assert.deepEqual(
      first.map((e: CloudEvent) => `${e.subject} ${e.eventtype}`),
      ['feed-0 REQUEST_CREATED', 'feed-0 VIDEOID_UPDATED', 'feed-1 REQUEST_CREATED', 'feed-1 VIDEOID_UPDATED'],
    );
    assert.equal(cursorStore.cursor, first[3]!.id);
    const again = new AbortController();
    const rest = await take(feed({ ...options, signal: again.signal }), 2, again);
    assert.deepEqual(
      rest.map((e) => e.subject),
      ['feed-2', 'feed-2'],
    );
  });

  test('an event the loop did not finish is delivered again (at least once), the file store keeps the place', async () => {
    const path = join(dir, 'cursor');
    const options = { url: server.url, apiKey: server.apiKey, cursorStore: fileCursorStore(path) };
    for await (const event of feed(options)) {
      assert.equal(event.subject, 'feed-0');
      break; // crashed while handling the first event: its cursor is not saved
    }
    const stop = new AbortController();
    const seen = await take(feed({ ...options, signal: stop.signal }), 2, stop);
    assert.equal(seen[0]!.eventtype, 'REQUEST_CREATED');
    assert.equal(seen[0]!.subject, 'feed-0');
    assert.equal(readFileSync(path, 'utf8'), seen[1]!.id);
  });

  test('waits out a 503 with Retry-After, then goes on; a 401 is thrown', async () => {
    let calls = 0;
    const times: number[] = [];
    const flaky = createServer((req, res) => {
      times.push(Date.now());
      if (calls++ === 0) return res.writeHead(503, { 'retry-after': '1' }).end();
      fetch(server.url + req.url!, { headers: { authorization: req.headers.authorization! } })
        .then(async (r) => res.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text()))
        .catch(() => res.writeHead(502).end());
    });
    await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`;
    try {
      const stop = new AbortController();
      const retries: number[] = [];
      const got = await take(
        feed({ url, apiKey: server.apiKey, signal: stop.signal, onRetry: (_e, ms) => retries.push(ms) }),
        1,
        stop,
      );
      assert.equal(got.length, 1);
      assert.ok(retries[0]! >= 1000, `waited ${retries[0]} ms`);
      assert.ok(times[1]! - times[0]! >= 950);
      await assert.rejects(
        (async () => {
          for await (const _ of feed({ url: server.url, apiKey: 'tdk_wrong' })) break;
        })(),
        { code: 'http_error', status: 401 },
      );
    } finally {
      flaky.close();
    }
  });

  test('stops promptly when aborted while the feed is idle', async () => {
    const stop = new AbortController();
    let abortedAt = 0;
    const seen: unknown[] = [];
    const cursorStore = memoryCursorStore();
    const options = {
      url: server.url,
      apiKey: server.apiKey,
      cursorStore,
      pollIntervalMs: 60_000,
      signal: stop.signal,
    };
    for await (const e of feed(options)) {
      seen.push(e);
      if (seen.length === 6) {
        // Drained: the consumer now waits a minute before polling again, unless aborted.
        setTimeout(() => {
          abortedAt = Date.now();
          stop.abort();
        }, 200);
      }
    }
    assert.equal(seen.length, 6);
    assert.ok(
      abortedAt > 0 && Date.now() - abortedAt < 2_000,
      'ended soon after the abort, not after the poll interval',
    );
  });

  test("format 'vendor' yields each workflow's seed format and keeps the cursor per page", async () => {
    const cursorStore = memoryCursorStore();
    const stop = new AbortController();
    const items = await take(
      feed({ url: server.url, apiKey: server.apiKey, cursorStore, format: 'vendor', signal: stop.signal }),
      6,
      stop,
    );
    const envelopes = items.map((i) => parseEvent('uanataca', i));
    assert.deepEqual(
      envelopes.map((e) => e.event_type),
      [
        'REQUEST_CREATED',
        'VIDEOID_UPDATED',
        'REQUEST_CREATED',
        'VIDEOID_UPDATED',
        'REQUEST_CREATED',
        'VIDEOID_UPDATED',
      ],
    );
    const page = await server.call<{ lastEventId: string }>('GET', '/v1/events?count=100');
    assert.equal(cursorStore.cursor, page.lastEventId, 'saved once the page was handled');
  });

  test('pollStream verifies each SET and acknowledges what was handled', async () => {
    const stream = await server.call<{ id: string }>('POST', '/v1/streams', { name: 'sdk', startAt: 'beginning' });
    const options = {
      url: server.url,
      apiKey: server.apiKey,
      streamId: stream.id,
      jwks: `${server.url}/.well-known/jwks.json`,
    };
    const stop = new AbortController();
    const got = await take(pollStream({ ...options, signal: stop.signal }), 6, stop);
    assert.equal(got.length, 6);
    assert.ok(got.every((s) => s.set?.header.alg === 'EdDSA'));
    const left = await server.call<{ sets: Record<string, string> }>('POST', `/v1/streams/${stream.id}/poll`, {
      returnImmediately: true,
    });
    assert.deepEqual(left.sets, {}, 'all six were acknowledged');
  });
});
