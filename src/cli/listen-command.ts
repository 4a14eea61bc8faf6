import { type CloudEvent, feed, memoryCursorStore, pollStream } from '@tidings/sdk';
import { newHmacSecret } from '../delivery/webhook-signature.js';
import { isFormatChoice } from '../formats/index.js';
import { parseDuration } from '../workflows/duration.js';
import { type CliEnv, type CliIo, connect, parseCommand, type RemoteContext } from './cli-options.js';
import { UsageError } from './commands.js';
import { readToEnd } from './events-command.js';
import { EXIT } from './exit-codes.js';
import { forwardWithRetries } from './forward-push.js';

export const LISTEN_USAGE =
  'usage: tidings listen --forward-to URL [--events TYPE,...] [--format native|vendor|uanataca|onespan|set|reestro|thales] [--from-beginning] [--retry-schedule 1s,5s,30s] [--secret whsec_...] [--stream ID]';

const CONTENT_TYPES: Record<string, string> = {
  native: 'application/cloudevents+json',
  set: 'application/secevent+jwt',
};

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
    stream: { type: 'string' },
  });
  if (positionals.length > 0 || !values['forward-to']) throw new UsageError(LISTEN_USAGE);
  let target: URL;
  try {
    target = new URL(values['forward-to']);
  } catch {
    throw new UsageError(`--forward-to must be a URL such as http://localhost:3000/hooks`);
  }
  const format = values.format ?? (values.stream ? 'set' : 'native');
  if (values.stream && format !== 'set') throw new UsageError('--stream forwards SETs: leave out --format or give set');
  if (!isFormatChoice(format)) throw new UsageError(LISTEN_USAGE);
  const schedule = (values['retry-schedule'] ?? '1s,5s,30s').split(',').map((d) => parseDuration(d.trim()));
  if (schedule.some((d) => d === null)) throw new UsageError('--retry-schedule is a list of durations: 1s,5s,30s');
  const secret = values.secret ?? newHmacSecret();
  if (!secret.startsWith('whsec_')) throw new UsageError('--secret is an HMAC secret: whsec_ followed by base64');
  const types = values.events ? new Set(values.events.split(',').map((t) => t.trim())) : null;
  const ctx = connect(values, env, io);

  const source = values.stream ? `poll stream ${values.stream}` : "this tenant's events";
  const start = values['from-beginning'] || values.stream ? null : await readToEnd(ctx, () => {});
  if (ctx.json) io.out(JSON.stringify({ ready: true, forwardTo: target.href, secret, format }));
  else {
    io.out(`Ready: forwarding ${source} from ${ctx.url} to ${target.href} (${format} format)`);
    io.out(`Signing secret: ${secret}   (verify pushes with it, as with an endpoint's secret)`);
    io.out('Ctrl-C stops.');
  }
  const forward = (item: Parameters<typeof forwardWithRetries>[3]) =>
    forwardWithRetries(target, secret, schedule as number[], item, io, ctx.json);
  if (values.stream) {
    // RFC 8936: each SET is verified against the JWKS, forwarded, then acknowledged in the next poll.
    const sets = pollStream({
      url: ctx.url,
      apiKey: ctx.apiKey,
      streamId: values.stream,
      jwks: `${ctx.url}/.well-known/jwks.json`,
      signal: io.signal,
    });
    for await (const { jti, jwt, set } of sets) {
      const type = set ? set.eventUri.slice(set.eventUri.lastIndexOf('/') + 1) : 'set';
      if (types && !types.has(type)) continue;
      const subject = set?.claims.sub ?? '';
      await forward({ eventId: jti, workflow: 'stream', subject, type, body: jwt, contentType: CONTENT_TYPES.set! });
    }
    return EXIT.ok;
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
    const item = { eventId: event.id, workflow: event.workflow, subject: event.subject, type: event.eventtype };
    await forward({ ...item, body, contentType });
  }
  return EXIT.ok;
}
