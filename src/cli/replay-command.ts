import { type CliEnv, type CliIo, connect, parseCommand, parseSince } from './cli-options.js';
import { UsageError } from './commands.js';
import { EXIT } from './exit-codes.js';
import { sleep } from './sleep.js';

export const REPLAY_USAGE =
  'usage: tidings replay --endpoint ID --since TIME|AGE [--all] [--no-wait] [--json]   (AGE: 30m, 2h, 1d)';

const BAR_WIDTH = 30;

/** `[#########.....]  12/40 delivered, 1 failed` */
export function progressBar(done: number, failed: number, total: number): string {
  const filled = total === 0 ? BAR_WIDTH : Math.round(((done + failed) / total) * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${done + failed}/${total} done, ${failed} failed`;
}

/**
 * `tidings replay`: queues again an endpoint's failed deliveries (or all of
 * them with `--all`) created since a time, then follows them with a progress
 * bar until none is pending (unless `--no-wait`). Exit 1 when some failed again.
 */
export async function replay(args: string[], env: CliEnv, io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    endpoint: { type: 'string' },
    since: { type: 'string' },
    all: { type: 'boolean' },
    'no-wait': { type: 'boolean' },
  });
  if (positionals.length > 0 || !values.endpoint || !values.since) throw new UsageError(REPLAY_USAGE);
  const since = parseSince(values.since);
  const ctx = connect(values, env, io);
  const id = values.endpoint;
  const { requeued } = await ctx.client.post('/v1/endpoints/{id}/replay', {
    path: { id },
    body: { since, failedOnly: !values.all },
  });
  if (!ctx.json) io.out(`queued ${requeued} deliveries to ${id} again (created since ${since})`);
  if (requeued === 0 || values['no-wait']) {
    if (ctx.json) io.out(JSON.stringify({ requeued, pending: requeued }));
    return EXIT.ok;
  }
  let last = '';
  let counts = { pending: requeued, failed: 0 };
  while (!io.signal.aborted) {
    counts = await pendingAndFailed(ctx, id, since);
    const line = progressBar(Math.max(0, requeued - counts.pending - counts.failed), counts.failed, requeued);
    if (!ctx.json && line !== last) io.out(line);
    last = line;
    if (counts.pending === 0) break;
    await sleep(500, io.signal);
  }
  if (ctx.json) io.out(JSON.stringify({ requeued, pending: counts.pending, failed: counts.failed }));
  return counts.failed > 0 ? EXIT.failed : EXIT.ok;
}

/** Pending and failed deliveries of the endpoint created since `since` (pages of 200, newest first). */
async function pendingAndFailed(ctx: ReturnType<typeof connect>, id: string, since: string) {
  const count = async (status: 'pending' | 'failed') => {
    let n = 0;
    let cursor: string | undefined;
    for (;;) {
      const page = await ctx.client.get('/v1/endpoints/{id}/deliveries', {
        path: { id },
        query: { status, limit: 200, ...(cursor ? { cursor } : {}) },
      });
      const recent = page.deliveries.filter((d) => d.createdAt >= since);
      n += recent.length;
      if (!page.nextCursor || recent.length < page.deliveries.length) return n;
      cursor = page.nextCursor;
    }
  };
  return { pending: await count('pending'), failed: await count('failed') };
}
