import { type CloudEvent, feed, memoryCursorStore } from '@tidings/sdk';
import { nextAttemptDelay, parseRetryAfter } from '../delivery/retry-policy.js';
import { newHmacSecret, webhookSignature } from '../delivery/webhook-signature.js';
import { isFormatChoice } from '../formats/index.js';
import { parseDuration } from '../workflows/duration.js';
import { type CliEnv, type CliIo, connect, parseCommand, type RemoteContext } from './cli-options.js';
import { UsageError } from './commands.js';
import { readToEnd } from './events-command.js';
import { EXIT } from './exit-codes.js';
import { sleep } from './sleep.js';

export const LISTEN_USAGE =
  'usage: tidings listen --forward-to URL [--events TYPE,...] [--format native|vendor|uanataca|onespan|set|reestro|thales] [--from-beginning] [--retry-schedule 1s,5s,30s] [--secret whsec_...]';

const CONTENT_TYPES: Record<string, string> = {
  native: 'application/cloudevents+json',
  set: 'application/secevent+jwt',
};
const TIMEOUT_MS = 30_000;

interface Forwarded {
  status: number | null;
  latencyMs: number;
  retryAfterMs: number | null;
  error?: string;
}

/** The body a push in `format` would carry for this event, as the feed renders it (same renderer as a push). */
async function bodyFor(ctx: RemoteContext, event: CloudEvent, after: string | null, format: string) {
  if (format === 'native') return { body: JSON.stringify(event), contentType: CONTENT_TYPES.native! };
  const query = new URLSearchParams({ count: '1', format });
  if (after !== null) query.set('afterEventId', after);
  const page = (await ctx.client.get('/v1/events', { query: Object.fromEntries(query) })) as { events: unknown[] };
  const item = page.events[0];
  if (typeof item === 'string') return { body: item, contentType: CONTENT_TYPES.set! };
  return { body: JSON.stringify(item), contentType: 'application/json' };
}

async function forward(target: URL, headers: Record<string, string>, body: string): Promise<Forwarded> {
  const started = performance.now();
  try {
    const res = await fetch(target, { method: 'POST', headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
    await res.arrayBuffer().catch(() => undefined);
    return {
      status: res.status,
      latencyMs: performance.now() - started,
      retryAfterMs: parseRetryAfter(res.headers.get('retry-after') ?? undefined, Date.now()),
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    return { status: null, latencyMs: performance.now() - started, retryAfterMs: null, error: cause };
  }
}

/**
 * `tidings listen`: the tenant's events forwarded to a local URL as pushes,
 * with no public URL and no tunnel. The CLI reads the cursor feed and POSTs
 * each event as the dispatcher would (same body, Standard Webhooks headers, a
 * signature made with a secret printed at start), one event at a time in
 * order, retrying 5xx, 429 and connection errors on a short schedule.
 */
export async function listen(args: string[], env: CliEnv, io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    'forward-to': { type: 'string' },
    events: { type: 'string' },
    format: { type: 'string' },
    'from-beginning': { type: 'boolean' },
    'retry-schedule': { type: 'string' },
    secret: { type: 'string' },
  });
  if (positionals.length > 0 || !values['forward-to']) throw new UsageError(LISTEN_USAGE);
  let target: URL;
  try {
    target = new URL(values['forward-to']);
  } catch {
    throw new UsageError(`--forward-to must be a URL such as http://localhost:3000/hooks`);
  }
  const format = values.format ?? 'native';
  if (!isFormatChoice(format)) throw new UsageError(LISTEN_USAGE);
  const schedule = (values['retry-schedule'] ?? '1s,5s,30s').split(',').map((d) => parseDuration(d.trim()));
  if (schedule.some((d) => d === null)) throw new UsageError('--retry-schedule is a list of durations: 1s,5s,30s');
  const secret = values.secret ?? newHmacSecret();
  if (!secret.startsWith('whsec_')) throw new UsageError('--secret is an HMAC secret: whsec_ followed by base64');
  const types = values.events ? new Set(values.events.split(',').map((t) => t.trim())) : null;
  const ctx = connect(values, env, io);

  const start = values['from-beginning'] ? null : await readToEnd(ctx, () => {});
  if (ctx.json) io.out(JSON.stringify({ ready: true, forwardTo: target.href, secret, format }));
  else {
    io.out(`Ready: forwarding this tenant's events from ${ctx.url} to ${target.href} (${format} format)`);
    io.out(`Signing secret: ${secret}   (verify pushes with it, as with an endpoint's secret)`);
    io.out('Ctrl-C stops.');
  }
  const cursorStore = memoryCursorStore(start);
  let after = start;
  for await (const event of feed({
    url: ctx.url,
    apiKey: ctx.apiKey,
    cursorStore,
    signal: io.signal,
    pollIntervalMs: 500,
  })) {
    const previous = after;
    after = event.id;
    if (types && !types.has(event.eventtype) && !types.has(event.type)) continue;
    const { body, contentType } = await bodyFor(ctx, event, previous, format);
    const id = `msg_${event.id}`;
    for (let attempt = 1; ; attempt++) {
      const timestamp = Math.floor(Date.now() / 1000);
      const headers = {
        'content-type': contentType,
        'user-agent': 'Tidings-Webhooks/1 (tidings listen)',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': webhookSignature([secret], id, timestamp, body),
        'x-correlation-id': event.id,
      };
      const result = await forward(target, headers, body);
      const ok = result.status !== null && result.status >= 200 && result.status < 300;
      const retryable = !ok && (result.status === null || result.status >= 500 || result.status === 429);
      const delay = retryable
        ? nextAttemptDelay(attempt, schedule as number[], Math.random, {
            retryAfterMs: result.retryAfterMs,
            overloaded: result.status === 429,
          })
        : null;
      report(io, ctx.json, event, attempt, result, ok, delay);
      if (ok || delay === null || io.signal.aborted) break;
      await sleep(delay, io.signal);
      if (io.signal.aborted) break;
    }
  }
  return EXIT.ok;
}

function report(
  io: CliIo,
  json: boolean,
  event: CloudEvent,
  attempt: number,
  result: Forwarded,
  ok: boolean,
  retryInMs: number | null,
) {
  const latencyMs = Math.round(result.latencyMs);
  if (json) {
    io.out(
      JSON.stringify({
        eventId: event.id,
        subject: event.subject,
        type: event.eventtype,
        attempt,
        status: result.status,
        latencyMs,
        ok,
        ...(result.error ? { error: result.error } : {}),
        retryInMs,
      }),
    );
    return;
  }
  const answer = result.status === null ? `ERR ${result.error}` : String(result.status);
  const then = ok
    ? ''
    : retryInMs === null
      ? '  (gave up)'
      : `  (retry ${attempt + 1} in ${(retryInMs / 1000).toFixed(1)} s)`;
  io.out(
    `${new Date().toISOString().slice(11, 19)}  ${answer.padEnd(4)} ${String(latencyMs).padStart(5)} ms  ${event.workflow} ${event.subject} ${event.eventtype}${then}`,
  );
}
