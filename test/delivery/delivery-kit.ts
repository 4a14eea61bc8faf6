import assert from 'node:assert/strict';
import type { DeliveryRecord } from '../../src/delivery/delivery.js';
import type { DeliveryStore } from '../../src/delivery/storage/delivery-store.js';
import type { RuntimeOptions } from '../../src/server/create-runtime.js';
import { BUILTIN_WORKFLOWS } from '../../src/workflows/builtin/index.js';
import type { WorkflowDefinition } from '../../src/workflows/workflow-definition.js';
import { createWorkflowRegistry } from '../../src/workflows/workflow-registry.js';
import { startTestApp, type TestApp } from '../helpers/test-runtime.js';

/** A test workflow whose subjects take any number of `ticket-noted` events, for ordering tests. */
export const ticket: WorkflowDefinition = {
  name: 'ticket',
  title: 'Ticket',
  description: 'test workflow',
  states: ['open', 'closed'],
  terminalStates: ['closed'],
  initial: [{ type: 'ticket-opened', to: 'open' }],
  transitions: [
    { type: 'ticket-noted', from: ['open'], to: 'open' },
    { type: 'ticket-closed', from: ['open'], to: 'closed' },
  ],
  format: 'native',
};

export const registry = createWorkflowRegistry([...BUILTIN_WORKFLOWS, ticket]);

/** Retries fast and short timeouts, so every outcome is seen within a test. */
export const FAST = { TIDINGS_RETRY_SCHEDULE: '50ms,100ms,200ms' };

export const FAST_DISPATCH: RuntimeOptions['delivery'] = {
  pollIntervalMs: 20,
  totalTimeoutMs: 500,
  connectTimeoutMs: 500,
  leaseMarginMs: 1000,
};

export interface Harness {
  app: TestApp;
  auth: { authorization: string };
  tenantId: string;
  createEndpoint(body: Record<string, unknown>): Promise<{ id: string; secret: string } & Record<string, unknown>>;
  openTicket(id: string): Promise<void>;
  note(id: string, n: number): Promise<void>;
  inject: TestApp['runtime']['app']['inject'];
  close(): Promise<void>;
}

/** A started runtime with workers running and one tenant. */
export async function harness(env: Record<string, string> = {}, options: RuntimeOptions = {}): Promise<Harness> {
  const app = await startTestApp({ ...FAST, ...env }, { registry, delivery: FAST_DISPATCH, ...options });
  app.runtime.startWorkers();
  const { auth, id: tenantId } = await app.tenant();
  const inject = app.runtime.app.inject.bind(app.runtime.app) as TestApp['runtime']['app']['inject'];
  const post = async (url: string, payload: unknown) => {
    const res = await app.runtime.app.inject({ method: 'POST', url, headers: auth, payload: payload as object });
    if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json() as Record<string, unknown>;
  };
  return {
    app,
    auth,
    tenantId,
    inject,
    async createEndpoint(body) {
      return (await post('/v1/endpoints', body)) as { id: string; secret: string };
    },
    async openTicket(id) {
      await post('/v1/subjects', { workflow: 'ticket', id });
    },
    async note(id, n) {
      await post(`/v1/subjects/${id}/events`, { type: 'ticket-noted', data: { n } });
    },
    close: () => app.close(),
  };
}

export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Records a first try of `delivery` answered 200 at `nowMs`, under its lease; true when the delivery moved on. */
export function recordSuccess(store: DeliveryStore, delivery: DeliveryRecord, nowMs: number): Promise<boolean> {
  return store.recordAttempt(
    {
      tenantId: delivery.tenantId,
      endpointId: delivery.endpointId,
      deliveryId: delivery.id,
      eventId: delivery.eventId,
      attempt: 1,
      startedAt: nowMs,
      outcome: 'succeeded',
      httpStatus: 200,
      latencyMs: 1,
      responseExcerpt: '',
      errorClass: null,
      errorMessage: null,
    },
    delivery.leaseToken ?? '',
    { status: 'succeeded', lastError: null },
    nowMs,
  );
}

/** An endpoint for the `ticket` workflow whose URL is never called; returns its id. */
export async function ticketEndpoint(app: TestApp, auth: Record<string, string>): Promise<string> {
  const endpoint = await app.runtime.app.inject({
    method: 'POST',
    url: '/v1/endpoints',
    headers: auth,
    payload: { url: 'http://127.0.0.1:9/hook', workflows: ['ticket'] },
  });
  assert.equal(endpoint.statusCode, 201, endpoint.body);
  return (endpoint.json() as { id: string }).id;
}

/**
 * What the store-level delivery tests start from: a `ticketEndpoint` and
 * `count` new ticket subjects `<prefix>-0`…, each creation an event in the
 * outbox. Returns the endpoint's id.
 */
export async function ticketEndpointAndSubjects(
  app: TestApp,
  auth: Record<string, string>,
  count: number,
  prefix: string,
): Promise<string> {
  const endpointId = await ticketEndpoint(app, auth);
  for (let i = 0; i < count; i++) {
    const res = await app.runtime.app.inject({
      method: 'POST',
      url: '/v1/subjects',
      headers: auth,
      payload: { workflow: 'ticket', id: `${prefix}-${i}` },
    });
    assert.equal(res.statusCode, 201, res.body);
  }
  return endpointId;
}
