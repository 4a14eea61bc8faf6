/**
 * An open-loop load generator run as its own process: POSTs transitions on a
 * fixed schedule (`rate` per second for `durationMs`, each request at its
 * planned time whether or not earlier ones answered, so a slow server cannot
 * slow the load down), and prints one JSON line
 * `{sent, ok, failed, late, created: {eventId: time of the 201}, started: {eventId: time the request was sent}}`.
 * Times are `performance.timeOrigin + performance.now()` (comparable with the receiver's).
 */
import { Pool } from 'undici';

interface Spec {
  origin: string;
  paths: string[];
  body: string;
  headers: Record<string, string>;
  rate: number;
  durationMs: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as Spec;
const pool = new Pool(spec.origin, { connections: 128, pipelining: 1 });
const now = () => performance.timeOrigin + performance.now();
const created: Record<string, number> = {};
const started: Record<string, number> = {};
const total = Math.round((spec.rate * spec.durationMs) / 1000);
let sent = 0;
let ok = 0;
let failed = 0;
let late = 0;
const pending = new Set<Promise<void>>();

async function post(i: number): Promise<void> {
  const sentAt = now();
  try {
    const res = await pool.request({
      method: 'POST',
      path: spec.paths[i % spec.paths.length] ?? '/',
      headers: { 'content-type': 'application/json', ...spec.headers },
      body: spec.body,
    });
    const text = await res.body.text();
    const at = now();
    if (res.statusCode === 201) {
      ok += 1;
      const id = (JSON.parse(text) as { id: string }).id;
      created[id] = at;
      started[id] = sentAt;
    } else failed += 1;
  } catch {
    failed += 1;
  }
}

const start = now() + 50;
while (sent < total) {
  const due = start + (sent * 1000) / spec.rate;
  const wait = due - now();
  // Always yield to the event loop, even when the next request is already
  // due: at 1,000/s the spacing is 1 ms, and a loop that only slept for
  // waits over 1 ms never let undici write its queued requests (they left in
  // bursts seconds late, which read as a 6–10 s server queue).
  if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, 1000)));
  else await new Promise((r) => setImmediate(r));
  // send everything due (a late timer sends a small burst, keeping the schedule)
  while (sent < total && start + (sent * 1000) / spec.rate <= now()) {
    if (now() - (start + (sent * 1000) / spec.rate) > 10) late += 1;
    const p = post(sent).finally(() => pending.delete(p));
    pending.add(p);
    sent += 1;
  }
}
const deadline = now() + 30_000;
while (pending.size > 0 && now() < deadline) await Promise.race([...pending, new Promise((r) => setTimeout(r, 100))]);
await pool.destroy();
process.stdout.write(`${JSON.stringify({ sent, ok, failed, late, created, started })}\n`);
