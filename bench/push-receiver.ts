/**
 * Webhook receivers for the push benchmarks, run as their own process (so
 * receiving does not share the sender's event loop): node:http servers on
 * 127.0.0.1, keep-alive, answering as soon as the body is read.
 *
 * argv[2]: JSON `[{count, mode}]` with mode `ok` (200), `fail` (503) or
 * `hang` (never answers). Prints `{"urls": [[...], ...]}` (one list per group)
 * as its first stdout line, then answers IPC messages:
 *   {op: 'hits'}               → {hits, duplicates} (2xx answers so far, group `ok` only; repeated webhook-ids)
 *   {op: 'reset'}              → {hits: 0}         (also forgets arrival times)
 *   {op: 'arrivals'}           → {arrivals: {webhookId: ms}} (time of arrival, `ok` groups)
 *   {op: 'last'}               → {last: ms}        (time of the latest 2xx answer since the reset, 0 if none)
 * Times are `performance.timeOrigin + performance.now()`, comparable across processes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Group {
  count: number;
  mode: 'ok' | 'fail' | 'hang';
}

const groups = JSON.parse(process.argv[2] ?? '[{"count":1,"mode":"ok"}]') as Group[];
const now = () => performance.timeOrigin + performance.now();
let hits = 0;
/** Pushes whose `webhook-id` arrived before (at-least-once redelivery). */
let duplicates = 0;
let seen = new Set<string>();
let arrivals = new Map<string, number>();
let last = 0;
const servers: Server[] = [];

function serverFor(mode: Group['mode']): Server {
  const server = createServer((req, res) => {
    if (mode === 'hang') {
      req.resume();
      return; // never answers: the sender's timeout ends it
    }
    req.on('data', () => {});
    req.on('end', () => {
      if (mode === 'fail') {
        res.writeHead(503, { 'content-length': '0' }).end();
        return;
      }
      const id = req.headers['webhook-id'];
      if (typeof id === 'string') {
        // the same webhook-id goes to every endpoint: a repeat is per server
        const key = `${req.socket.localPort} ${id}`;
        if (seen.has(key)) duplicates += 1;
        seen.add(key);
        arrivals.set(id, now());
      }
      hits += 1;
      last = now();
      res.writeHead(200, { 'content-length': '0' }).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  return server;
}

const urls: string[][] = [];
for (const group of groups) {
  const list: string[] = [];
  for (let i = 0; i < group.count; i++) {
    const server = serverFor(group.mode);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    list.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
  }
  urls.push(list);
}

process.on('message', (msg: { op: string }) => {
  if (msg.op === 'hits') process.send?.({ hits, duplicates });
  else if (msg.op === 'reset') {
    hits = 0;
    duplicates = 0;
    seen = new Set();
    arrivals = new Map();
    last = 0;
    process.send?.({ hits });
  } else if (msg.op === 'last') process.send?.({ last });
  else if (msg.op === 'arrivals') process.send?.({ arrivals: Object.fromEntries(arrivals) });
});
process.on('disconnect', () => process.exit(0));
process.stdout.write(`${JSON.stringify({ urls })}\n`);
