import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/config.js';
import { signOnce } from '../delivery/webhook-signature.js';
import { createRuntime } from '../server/create-runtime.js';
import { generateApiKey, SCOPES } from '../tenants/api-key.js';
import type { CommandResult } from './commands.js';
import { createTenantWithKey } from './first-tenant.js';
import { StartError } from './start-error.js';

const TENANT = 'Quickstart';
const RECEIVER = 'tidings quickstart receiver';
/** The subject walk: the README tour's VideoID request, created then moved twice. */
const STEPS = [{ type: 'VIDEOID_UPDATED', to: 'VIDEOREVIEW' }, { type: 'REQUEST_APPROVED' }] as const;
const TOLERANCE_S = 300;

interface Push {
  headers: IncomingMessage['headers'];
  body: string;
}

/** Standard Webhooks verification: a `v1,` signature of `id.timestamp.body` with the secret, timestamp within 5 minutes. */
export function verifyPush(push: Push, secret: string, now = Date.now()): string | null {
  const id = String(push.headers['webhook-id'] ?? '');
  const timestamp = Number(push.headers['webhook-timestamp']);
  const signatures = String(push.headers['webhook-signature'] ?? '').split(' ');
  if (id === '' || !Number.isInteger(timestamp)) return 'webhook-id or webhook-timestamp missing';
  if (Math.abs(now / 1000 - timestamp) > TOLERANCE_S) return 'webhook-timestamp is more than 5 minutes off';
  const expected = Buffer.from(signOnce(secret, `${id}.${timestamp}.${push.body}`));
  const match = signatures.some((s) => s.length === expected.length && timingSafeEqual(Buffer.from(s), expected));
  return match ? null : 'no signature matches the endpoint secret';
}

/** A loopback HTTP server that answers 204 and hands every request to `onPush`. */
async function startReceiver(onPush: (push: Push) => void) {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      onPush({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/tidings` };
}

/**
 * `tidings quickstart`: a tenant, a key, an endpoint at a receiver this
 * command runs, one subject walked, and each signed push shown as it arrives
 * and is verified. It runs its own server on a free loopback port over the
 * configured storage; run twice, it reuses the tenant and replaces its endpoint.
 */
export async function quickstart(config: Config): Promise<CommandResult> {
  const pushes: Push[] = [];
  let arrived: () => void = () => {};
  const receiver = await startReceiver((push) => {
    pushes.push(push);
    arrived();
  });
  // the receiver is http:// on loopback, which only insecure-endpoint mode accepts
  const runtime = await createRuntime({ ...config, allowInsecureEndpoints: true, role: 'all' }, { logger: false });
  const out: string[] = [];
  const say = (line: string) => {
    out.push(line);
    process.stdout.write(`${line}\n`);
  };
  try {
    await runtime.app.listen({ port: 0, host: '127.0.0.1' });
    runtime.startWorkers();
    const base = `http://127.0.0.1:${(runtime.app.server.address() as AddressInfo).port}`;

    const existing = (await runtime.store.listTenants()).find((t) => t.name === TENANT);
    let tenantId: string;
    let apiKey: string;
    if (existing) {
      const key = generateApiKey(existing.id, `quickstart ${new Date().toISOString()}`, SCOPES, new Date());
      await runtime.store.createApiKey(key.record);
      [tenantId, apiKey] = [existing.id, key.apiKey];
      say(`1. tenant "${TENANT}" ${tenantId} (already there), new API key ${apiKey}`);
    } else {
      const created = await createTenantWithKey(runtime.store, TENANT);
      [tenantId, apiKey] = [created.tenant.id, created.apiKey];
      say(`1. tenant "${TENANT}" ${tenantId} created, API key ${apiKey}`);
    }
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      if (!res.ok) throw new StartError(`${method} ${path} answered ${res.status}: ${text}`);
      return (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
    };

    const { endpoints } = (await api('GET', '/v1/endpoints?limit=500')) as {
      endpoints: { id: string; description: string | null }[];
    };
    for (const old of endpoints.filter((e) => e.description === RECEIVER))
      await api('DELETE', `/v1/endpoints/${old.id}`);
    const endpoint = await api('POST', '/v1/endpoints', { url: receiver.url, description: RECEIVER, format: 'native' });
    const secret = String(endpoint.secret);
    say(`2. endpoint ${endpoint.id} -> ${receiver.url} (a receiver this command runs), secret ${secret}`);

    const subjectId = `quickstart-${Date.now()}`;
    await api('POST', '/v1/subjects', { workflow: 'videoid-request', id: subjectId });
    say(`3. subject ${subjectId} (videoid-request) created, then walked:`);
    for (const step of STEPS) {
      const event = await api('POST', `/v1/subjects/${subjectId}/events`, step);
      say(`     ${step.type} -> ${String((event as { to?: string }).to ?? '')}`);
    }

    const expected = STEPS.length + 1;
    const deadline = Date.now() + 20_000;
    while (pushes.length < expected && Date.now() < deadline) {
      await new Promise<void>((done) => {
        arrived = done;
        setTimeout(done, 500);
      });
    }
    say(`4. pushes received by ${receiver.url}:`);
    let failed = pushes.length < expected;
    for (const push of pushes) {
      const problem = verifyPush(push, secret);
      if (problem) failed = true;
      const body = JSON.parse(push.body) as { type?: string };
      say(
        `     webhook-id ${String(push.headers['webhook-id'])}  ${String(body.type ?? '')}  ${problem ? `NOT verified: ${problem}` : 'signature verified'}`,
      );
    }
    if (pushes.length < expected) say(`     only ${pushes.length} of ${expected} pushes arrived within 20 s`);
    if (pushes[0]) say(`   the first push's body:\n     ${pushes[0].body}`);
    say(byHand(config, apiKey));
    return { out: '', code: failed ? 1 : 0 };
  } finally {
    await runtime.close();
    receiver.server.close();
  }
}

/** The same steps with curl against `npm start`, for a receiver of one's own. */
function byHand(config: Config, apiKey: string): string {
  const url = `http://${config.host}:${config.port}`;
  return `
Done. The same by hand, against \`npm start\` (${url}) and a receiver of your own:
  export KEY=${apiKey}
  curl -s -X POST ${url}/v1/endpoints -H "Authorization: Bearer $KEY" \\
    -H 'content-type: application/json' -d '{"url":"https://example.com/hooks","format":"native"}'
  curl -s -X POST ${url}/v1/subjects -H "Authorization: Bearer $KEY" \\
    -H 'content-type: application/json' -d '{"workflow":"videoid-request","id":"req-2"}'
  curl -s -X POST ${url}/v1/subjects/req-2/events -H "Authorization: Bearer $KEY" \\
    -H 'content-type: application/json' -d '{"type":"VIDEOID_UPDATED","to":"VIDEOREVIEW"}'
  curl -s ${url}/v1/endpoints/ENDPOINT_ID/attempts -H "Authorization: Bearer $KEY"
(An http:// or loopback URL needs TIDINGS_ALLOW_INSECURE_ENDPOINTS=1 on the server.)`;
}
