import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { eventually, type Harness } from './delivery-kit.js';

export interface Attempt {
  outcome: string;
  errorClass: string | null;
  errorMessage: string | null;
  responseExcerpt: string | null;
  httpStatus: number | null;
}

export async function attemptsOf(h: Harness, endpointId: string): Promise<Attempt[]> {
  const res = await h.inject({ method: 'GET', url: `/v1/endpoints/${endpointId}/attempts`, headers: h.auth });
  return (res.json() as { attempts: Attempt[] }).attempts;
}

export async function deliveriesOf(h: Harness, endpointId: string) {
  const res = await h.inject({ method: 'GET', url: `/v1/endpoints/${endpointId}/deliveries`, headers: h.auth });
  return (res.json() as { deliveries: Array<{ status: string; attempts: number; lastError: string | null }> })
    .deliveries;
}

export async function succeeded(h: Harness, endpointId: string, count = 1): Promise<void> {
  await eventually(async () => {
    const ds = await deliveriesOf(h, endpointId);
    return ds.length >= count && ds.every((d) => d.status === 'succeeded');
  }, 20_000); // generous: the machine is shared and the suite runs two files at a time
}

/** Checks a published message's Standard Webhooks signature as a consumer would. */
export function verifies(secret: string, headers: Record<string, string | undefined>, body: string): boolean {
  new Webhook(secret).verify(body, {
    'webhook-id': String(headers['webhook-id']),
    'webhook-timestamp': String(headers['webhook-timestamp']),
    'webhook-signature': String(headers['webhook-signature']),
  });
  return true;
}

export const unique = (prefix: string) => `${prefix}-${process.pid}-${Date.now().toString(36)}`;

/**
 * A TCP relay on loopback in front of a real broker that can be switched off
 * and on: "the broker is down" without stopping a broker other tests share.
 */
export async function brokerRelay(targetPort: number) {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((r) => probe.close(() => r()));
  return {
    port,
    async up() {
      server = createServer((client) => {
        const upstream = tcpConnect({ host: '127.0.0.1', port: targetPort });
        sockets.add(client).add(upstream);
        client.pipe(upstream).pipe(client);
        const end = () => {
          client.destroy();
          upstream.destroy();
        };
        client.on('error', end).on('close', end);
        upstream.on('error', end).on('close', end);
      });
      await new Promise<void>((r) => server?.listen(port, '127.0.0.1', r));
    },
    async down() {
      for (const s of sockets) s.destroy();
      sockets.clear();
      const s = server;
      server = null;
      if (s) await new Promise<void>((r) => s.close(() => r()));
    },
  };
}
