/**
 * The soak's load, run as its own process, for `durationMs`:
 *
 * - ingest: `ingestRate` transitions/s POSTed round robin over `paths`, open
 *   loop (each at its planned time whether or not earlier ones answered, so a
 *   slowing server cannot slow the load down; past MAX_IN_FLIGHT open requests
 *   a request is counted failed, `in flight cap`);
 * - feed: one reader following `lastEventId` through `GET /v1/events?count=100`,
 *   at most `feedRate` pages/s (a reader that catches up keeps tailing the feed).
 *   Sequential, as a consumer with a cursor is: parallel reads of one cursor
 *   only render the same page again (a first version did, 20 at a time, and
 *   spent the server on it).
 *
 * Every `sampleMs` it prints one JSON line `{sample: {t, ingest, feed}}` with
 * that window's answers, failures and p99; at the end `{final: {...}}` with the
 * totals and, per acknowledged event, the time of its 201 and of its request
 * (`created`, `started`, for the push latency). Times are
 * `performance.timeOrigin + performance.now()`, comparable with the receiver's.
 */
import { Pool } from 'undici';

interface Spec {
  origin: string;
  paths: string[];
  body: string;
  headers: Record<string, string>;
  ingestRate: number;
  feedRate: number;
  durationMs: number;
  sampleMs: number;
}

/** Requests open at most per stream: past it a request is counted failed, not queued without end. */
const MAX_IN_FLIGHT = 512;

const spec = JSON.parse(process.argv[2] ?? '{}') as Spec;
const pool = new Pool(spec.origin, { connections: 64, pipelining: 1 });
const now = () => performance.timeOrigin + performance.now();

class Window {
  ok = 0;
  failed = 0;
  latencies: number[] = [];
  /** Failures by reason (`status 503`, `ECONNRESET`, `in flight cap`). */
  reasons: Record<string, number> = {};
  fail(reason: string): void {
    this.failed += 1;
    this.reasons[reason] = (this.reasons[reason] ?? 0) + 1;
  }
  summary() {
    return { ok: this.ok, failed: this.failed, p99: quantile(this.latencies, 0.99), reasons: this.reasons };
  }
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

const totals = { ingest: new Window(), feed: new Window() };
let windows = { ingest: new Window(), feed: new Window() };
const created: Record<string, number> = {};
const started: Record<string, number> = {};
const inFlight = { ingest: 0, feed: 0 };
let cursor: string | null = null;
let pagesRead = 0;
let eventsRead = 0;

async function timed(kind: 'ingest' | 'feed', send: () => Promise<{ status: number; text: string }>) {
  if (inFlight[kind] >= MAX_IN_FLIGHT) {
    for (const w of [totals[kind], windows[kind]]) w.fail('in flight cap');
    return null;
  }
  inFlight[kind] += 1;
  const sentAt = now();
  try {
    const { status, text } = await send();
    const ms = now() - sentAt;
    const good = kind === 'ingest' ? status === 201 : status === 200;
    for (const w of [totals[kind], windows[kind]]) {
      if (good) {
        w.ok += 1;
        w.latencies.push(ms);
      } else w.fail(`status ${status}`);
    }
    return good ? { text, sentAt } : null;
  } catch (error) {
    const reason = (error as { code?: string }).code ?? (error as Error).name;
    for (const w of [totals[kind], windows[kind]]) w.fail(reason);
    return null;
  } finally {
    inFlight[kind] -= 1;
  }
}

async function request(method: 'GET' | 'POST', path: string, body?: string) {
  const res = await pool.request({
    method,
    path,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...spec.headers },
    ...(body ? { body } : {}),
  });
  return { status: res.statusCode, text: await res.body.text() };
}

async function ingest(i: number): Promise<void> {
  const answer = await timed('ingest', () => request('POST', spec.paths[i % spec.paths.length] ?? '/', spec.body));
  if (!answer) return;
  const id = (JSON.parse(answer.text) as { id: string }).id;
  created[id] = now();
  started[id] = answer.sentAt;
}

async function readPage(): Promise<void> {
  const after = cursor ? `&afterEventId=${encodeURIComponent(cursor)}` : '';
  const answer = await timed('feed', () => request('GET', `/v1/events?count=100${after}`));
  if (!answer) return;
  const page = JSON.parse(answer.text) as { events: unknown[]; lastEventId: string | null };
  pagesRead += 1;
  eventsRead += page.events.length;
  if (page.lastEventId) cursor = page.lastEventId;
}

/** One reader: a page, then the next no sooner than `1000 / rate` ms after the last began; returns the pages asked. */
async function follow(rate: number, start: number, end: number): Promise<number> {
  let n = 0;
  await new Promise((r) => setTimeout(r, Math.max(0, start - now())));
  while (now() < end) {
    const began = now();
    await readPage();
    n += 1;
    const wait = began + 1000 / rate - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  return n;
}

/** Calls `send(n)` at `rate` per second from `start` until `end`; returns the requests made. */
async function openLoop(rate: number, start: number, end: number, send: (n: number) => Promise<void>) {
  const pending = new Set<Promise<void>>();
  let n = 0;
  while (start + (n * 1000) / rate < end) {
    const wait = start + (n * 1000) / rate - now();
    // Yield every turn, even when late, so undici can write what is queued.
    if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, 1000)));
    else await new Promise((r) => setImmediate(r));
    while (start + (n * 1000) / rate <= Math.min(now(), end)) {
      const p = send(n).finally(() => pending.delete(p));
      pending.add(p);
      n += 1;
    }
  }
  await Promise.all(pending);
  return n;
}

const start = now() + 50;
const end = start + spec.durationMs;
const sampler = setInterval(() => {
  const sample = {
    t: Math.round((now() - start) / 1000),
    ingest: windows.ingest.summary(),
    feed: windows.feed.summary(),
    eventsRead,
  };
  windows = { ingest: new Window(), feed: new Window() };
  process.stdout.write(`${JSON.stringify({ sample })}\n`);
}, spec.sampleMs);
const [ingestSent, feedSent] = await Promise.all([
  openLoop(spec.ingestRate, start, end, ingest),
  spec.feedRate > 0 ? follow(spec.feedRate, start, end) : Promise.resolve(0),
]);
clearInterval(sampler);
await pool.close();
const final = {
  seconds: (now() - start) / 1000,
  ingest: { sent: ingestSent, ...totals.ingest.summary(), p50: quantile(totals.ingest.latencies, 0.5) },
  feed: { sent: feedSent, ...totals.feed.summary(), p50: quantile(totals.feed.latencies, 0.5), pagesRead, eventsRead },
  created,
  started,
};
process.stdout.write(`${JSON.stringify({ final })}\n`);
