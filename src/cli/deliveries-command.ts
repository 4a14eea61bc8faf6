import { type CliEnv, type CliIo, connect, parseCommand } from './cli-options.js';
import { UsageError } from './commands.js';
import { EXIT } from './exit-codes.js';

export const DELIVERIES_USAGE = 'usage: tidings deliveries retry ID [--json]';

/** `tidings deliveries retry ID`: queues a delivery (a dead letter, usually) for another try now. */
export async function deliveries(args: string[], env: CliEnv, io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, {});
  const [action, id, ...extra] = positionals;
  if (action !== 'retry' || id === undefined || extra.length > 0) throw new UsageError(DELIVERIES_USAGE);
  const ctx = connect(values, env, io);
  const answer = await ctx.client.post('/v1/deliveries/{id}/retry', { path: { id } });
  if (ctx.json) io.out(JSON.stringify(answer ?? { id, queued: true }));
  else io.out(`delivery ${id} is queued for another try; follow it with tidings endpoints list or the attempts API`);
  return EXIT.ok;
}
