import { verifySetLog } from '@tidings/sdk';
import { type CliEnv, type CliIo, connect, parseCommand } from './cli-options.js';
import { UsageError } from './commands.js';
import { EXIT } from './exit-codes.js';

export const SUBJECTS_USAGE = 'usage: tidings subjects show ID [--json]';

/**
 * `tidings subjects show ID`: the subject and its timeline. The timeline is
 * the subject's SET log, every SET verified against the server's JWKS before
 * any is shown (the FIT-Connect rule), so what is printed is what was signed.
 */
export async function subjects(args: string[], env: CliEnv, io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, {});
  const [action, id, ...extra] = positionals;
  if (action !== 'show' || id === undefined || extra.length > 0) throw new UsageError(SUBJECTS_USAGE);
  const ctx = connect(values, env, io);
  const subject = await ctx.client.get('/v1/subjects/{id}', { path: { id } });
  const log = await ctx.client.get('/v1/subjects/{id}/events', { path: { id }, query: { limit: '500' } });
  const sets = await verifySetLog(log.eventLog, `${ctx.url}/.well-known/jwks.json`);
  const timeline = sets.map((s) => ({
    at: new Date(s.claims.iat * 1000).toISOString(),
    type: s.eventUri.slice(s.eventUri.lastIndexOf('/') + 1),
    jti: s.claims.jti,
    payload: s.payload,
  }));
  if (ctx.json) {
    io.out(JSON.stringify({ subject, timeline }));
    return EXIT.ok;
  }
  io.out(`${subject.id}  ${subject.workflow}  status ${subject.status}  version ${subject.version}`);
  if (subject.parentId) io.out(`parent   ${subject.parentId}`);
  io.out(`created  ${subject.createdAt}   updated ${subject.updatedAt}`);
  const attributes = JSON.stringify(subject.attributes);
  if (attributes !== '{}') io.out(`attributes ${attributes}`);
  io.out('');
  io.out(
    `timeline (${timeline.length} events${log.totalCount > timeline.length ? ` of ${log.totalCount}` : ''}, signatures verified):`,
  );
  for (const t of timeline) {
    const payload = Object.keys(t.payload).length > 0 ? `  ${JSON.stringify(t.payload)}` : '';
    io.out(`  ${t.at}  ${t.type}${payload}`);
  }
  return EXIT.ok;
}
