/**
 * The process that dies in `operational-crash.test.ts`: on the data directory
 * (or `DATABASE_URL`) it is given, it creates a tenant, an endpoint answering
 * 410 Gone and an operator endpoint, opens a ticket and runs the push
 * dispatcher only, not the operational events' drain. Once the attempt
 * record and the disabling, with their intents, are committed, it prints
 * what the test needs and kills itself with SIGKILL: a crash between the
 * causes and their operational events.
 */
import { BUILTIN_WORKFLOWS } from '../../src/workflows/builtin/index.js';
import { operational } from '../../src/workflows/builtin/operational.js';
import { createWorkflowRegistry } from '../../src/workflows/workflow-registry.js';
import { startTestApp } from '../helpers/test-runtime.js';
import { eventually, FAST_DISPATCH, ticket } from './delivery-kit.js';

const [dataDir, envJson, goneUrl, opsUrl] = process.argv.slice(2);
if (!dataDir || !envJson || !goneUrl || !opsUrl) throw new Error('usage: DATA_DIR ENV_JSON GONE_URL OPS_URL');
const registry = createWorkflowRegistry([...BUILTIN_WORKFLOWS, operational, ticket]);
const app = await startTestApp(
  JSON.parse(envJson) as Record<string, string>,
  { registry, delivery: FAST_DISPATCH },
  dataDir,
);
const { id: tenantId, apiKey, auth } = await app.tenant();
const post = async (url: string, payload: object) => {
  const res = await app.runtime.app.inject({ method: 'POST', url, headers: auth, payload });
  if (res.statusCode !== 201) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string };
};
const gone = await post('/v1/endpoints', { url: goneUrl, workflows: ['ticket'] });
await post('/v1/endpoints', { url: opsUrl, workflows: ['operational'] });
await post('/v1/subjects', { workflow: 'ticket', id: 'crash-1' });
app.runtime.push.dispatcher.start();
await eventually(async () => (await app.runtime.pull.storage.intents.oldest(10)).length === 2, 20_000);
process.stdout.write(`${JSON.stringify({ tenantId, apiKey, endpointId: gone.id })}\n`, () => {
  process.kill(process.pid, 'SIGKILL');
});
