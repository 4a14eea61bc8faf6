import { type CloudEvent, feed, memoryCursorStore } from '@tidings/sdk';
import { type CliEnv, type CliIo, connect, parseCommand, type RemoteContext } from './cli-options.js';
import { UsageError } from './commands.js';
import { EXIT } from './exit-codes.js';

export const EVENTS_USAGE = 'usage: tidings events tail [--follow] [--subject ID] [--count N] [--json]';

/** One event as a line: time, workflow, subject, type and the transition. */
export function eventLine(e: CloudEvent): string {
  const transition = `${e.fromstatus ?? '∅'} → ${e.status}`;
  return `${e.time}  ${e.workflow.padEnd(24)} ${e.subject.padEnd(20)} ${e.eventtype.padEnd(22)} ${transition}`;
}

/** Reads the feed to its end; calls `keep` for each event; returns the cursor of the last one. */
export async function readToEnd(ctx: RemoteContext, keep: (e: CloudEvent) => void): Promise<string | null> {
  let cursor: string | null = null;
  for (;;) {
    const query: Record<string, string> = { count: '100', format: 'native' };
    if (cursor !== null) query.afterEventId = cursor;
    const page = (await ctx.client.get('/v1/events', { query })) as {
      lastEventId: string | null;
      events: CloudEvent[];
    };
    for (const e of page.events) keep(e);
    cursor = page.lastEventId;
    if (page.events.length < 100) return cursor;
  }
}

/**
 * `tidings events tail`: the tenant's newest events (the last `--count`,
 * default 20), oldest first; `--follow` keeps printing new ones until Ctrl-C.
 * `--json` prints one CloudEvent per line.
 */
export async function events(args: string[], env: CliEnv, io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    follow: { type: 'boolean', short: 'f' },
    subject: { type: 'string' },
    count: { type: 'string' },
  });
  if (positionals.length !== 1 || positionals[0] !== 'tail') throw new UsageError(EVENTS_USAGE);
  const count = Number(values.count ?? 20);
  if (!Number.isInteger(count) || count < 1 || count > 10_000) throw new UsageError('--count is 1..10000');
  const ctx = connect(values, env, io);
  const print = (e: CloudEvent) => io.out(ctx.json ? JSON.stringify(e) : eventLine(e));
  const wanted = (e: CloudEvent) => values.subject === undefined || e.subject === values.subject;

  const last: CloudEvent[] = [];
  const cursor = await readToEnd(ctx, (e) => {
    if (!wanted(e)) return;
    last.push(e);
    if (last.length > count) last.shift();
  });
  if (!ctx.json && last.length === 0)
    io.out(values.follow ? '(no events yet; waiting for some, Ctrl-C stops)' : '(no events yet)');
  for (const e of last) print(e);
  if (!values.follow) return EXIT.ok;
  const cursorStore = memoryCursorStore(cursor);
  for await (const e of feed({
    url: ctx.url,
    apiKey: ctx.apiKey,
    cursorStore,
    signal: io.signal,
    pollIntervalMs: 500,
  })) {
    if (wanted(e)) print(e);
  }
  return EXIT.ok;
}
