/** A Tidings server on a loopback port for the SDK's tests, with helpers to make events. */
import type { AddressInfo } from 'node:net';
import type { RuntimeOptions } from '../../src/server/create-runtime.js';
import { FAST, FAST_DISPATCH } from '../delivery/delivery-kit.js';
import { startTestApp, type TestApp } from '../helpers/test-runtime.js';

export interface LiveServer {
  app: TestApp;
  url: string;
  apiKey: string;
  tenantId: string;
  /** A JSON call with the tenant's key; throws on a non-2xx answer. */
  call<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

/** A runtime with its workers (pushes, timers) running, listening on 127.0.0.1, and one tenant. */
export async function startLiveServer(
  env: Record<string, string> = {},
  options: RuntimeOptions = {},
): Promise<LiveServer> {
  const app = await startTestApp({ ...FAST, ...env }, { delivery: FAST_DISPATCH, ...options });
  app.runtime.startWorkers();
  await app.runtime.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.runtime.app.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const tenant = await app.tenant();
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(url + path, {
      method,
      headers: {
        authorization: `Bearer ${tenant.apiKey}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
  return { app, url, apiKey: tenant.apiKey, tenantId: tenant.id, call, close: () => app.close() };
}

/** Creates a videoid-request and walks it one step: two events. */
export async function videoidRequest(server: LiveServer, id: string): Promise<void> {
  await server.call('POST', '/v1/subjects', { workflow: 'videoid-request', id });
  await server.call('POST', `/v1/subjects/${id}/events`, { type: 'VIDEOID_UPDATED', to: 'VIDEOREVIEW' });
}
