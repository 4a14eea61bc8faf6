import { type CliEnv, type CliIo, connect, parseCommand, type RemoteContext } from './cli-options.js';
import { UsageError } from './commands.js';
import { EXIT } from './exit-codes.js';

export const ENDPOINTS_USAGE = [
  'usage: tidings endpoints list [--json]',
  '       tidings endpoints create URL [--events TYPE,...] [--workflows NAME,...] [--format F] [--ed25519] [--json]',
  '       tidings endpoints test ID [--json]',
  '       tidings endpoints rotate-secret ID [--json]',
].join('\n');

const list = (text: string | undefined) => (text ? text.split(',').map((s) => s.trim()) : undefined);

/** `tidings endpoints list|create|test|rotate-secret`. */
export async function endpoints(args: string[], env: CliEnv, io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    events: { type: 'string' },
    workflows: { type: 'string' },
    format: { type: 'string' },
    ed25519: { type: 'boolean' },
  });
  const [action, arg, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(ENDPOINTS_USAGE);
  if (action === 'list' && arg === undefined) return listEndpoints(connect(values, env, io));
  if (arg === undefined) throw new UsageError(ENDPOINTS_USAGE);
  const ctx = connect(values, env, io);
  switch (action) {
    case 'create': {
      const eventTypes = list(values.events);
      const workflows = list(values.workflows);
      const created = await ctx.client.post('/v1/endpoints', {
        body: {
          url: arg,
          ...(eventTypes ? { eventTypes } : {}),
          ...(workflows ? { workflows } : {}),
          ...(values.format ? { format: values.format as 'native' } : {}),
          ...(values.ed25519 ? { auth: { type: 'standard-webhooks', algorithm: 'ed25519' } } : {}),
        },
      });
      if (ctx.json) io.out(JSON.stringify(created));
      else {
        io.out(`created endpoint ${created.id} → ${created.url} (${created.format})`);
        io.out(`secret:     ${created.secret}   (shown once: verify pushes with it)`);
        if (created.publicKey) io.out(`public key: ${created.publicKey}`);
      }
      return EXIT.ok;
    }
    case 'rotate-secret': {
      const rotated = await ctx.client.post('/v1/endpoints/{id}/rotate-secret', { path: { id: arg }, body: {} });
      if (ctx.json) io.out(JSON.stringify(rotated));
      else {
        io.out(`new secret: ${rotated.secret}`);
        io.out('the old secret keeps signing too until its grace period ends; verify with both meanwhile');
      }
      return EXIT.ok;
    }
    case 'test':
      return testEndpoint(ctx, arg);
    default:
      throw new UsageError(ENDPOINTS_USAGE);
  }
}

async function listEndpoints(ctx: RemoteContext): Promise<number> {
  const { endpoints: rows } = await ctx.client.get('/v1/endpoints');
  if (ctx.json) io(ctx, JSON.stringify(rows));
  else if (rows.length === 0) io(ctx, '(no endpoints: tidings endpoints create URL)');
  else {
    for (const e of rows) {
      const filter = [e.workflows?.join(',') ?? 'all workflows', e.eventTypes?.join(',') ?? 'all types'].join('; ');
      io(ctx, `${e.id}  ${e.url}  ${e.format}  ${e.auth.type}  (${filter})`);
    }
  }
  return EXIT.ok;
}

const io = (ctx: RemoteContext, line: string) => ctx.io.out(line);

/**
 * Asks the server to send a signed test push to the endpoint
 * (`POST /v1/endpoints/{id}/test`: the body is `{"type":"tidings.endpoint.test",...}`,
 * sent the way real pushes leave) and reports the answer: a check that the
 * receiver is up, reachable from the server, and verifies.
 */
async function testEndpoint(ctx: RemoteContext, id: string): Promise<number> {
  const endpoint = await ctx.client.get('/v1/endpoints/{id}', { path: { id } });
  const answer = await ctx.client.post('/v1/endpoints/{id}/test', { path: { id } });
  const { ok, status, latencyMs } = answer;
  const error = answer.errorClass ? `${answer.errorClass}: ${answer.message ?? ''}` : undefined;
  if (ctx.json)
    ctx.io.out(
      JSON.stringify({ endpointId: id, url: endpoint.url, status, latencyMs, ok, ...(error ? { error } : {}) }),
    );
  else {
    const answered = status ?? (answer.receipt ? `published (${answer.receipt})` : `nothing (${error})`);
    ctx.io.out(`${endpoint.url} answered ${answered} in ${latencyMs} ms: ${ok ? 'OK' : 'FAILED'}`);
    if (!ok)
      ctx.io.out("a 2xx answer is a success; check the receiver is running and verifies with this endpoint's secret");
  }
  return ok ? EXIT.ok : EXIT.failed;
}
