/** The demo's integrator: one endpoint per seed system, all served by one SDK-based receiver. */
import type { FormatName, WebhookKey } from '@tidings/sdk';
import type { startDemoReceiver } from './demo-receiver.js';

export type ApiCall = (method: string, path: string, body?: unknown) => Promise<Record<string, unknown>>;

/** JSON calls to the API with the tenant's key; a non-2xx answer throws with the server's message. */
export function apiCaller(url: string, apiKey: string): ApiCall {
  return async (method, path, body) => {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${String(json.message)}`);
    return json;
  };
}

/** One endpoint per seed system: the workflows it receives and the format they arrive in. */
const SYSTEMS: Array<{ path: string; workflows: string[]; format: FormatName; header?: boolean }> = [
  { path: '/uanataca', workflows: ['videoid-request', 'videoid-certificate'], format: 'uanataca' },
  { path: '/onespan', workflows: ['idv-transaction'], format: 'onespan' },
  { path: '/fit-connect', workflows: ['fit-case', 'fit-submission', 'fit-reply'], format: 'set' },
  { path: '/reestro', workflows: ['crypto-certificate-form', 'crypto-signature'], format: 'reestro' },
  { path: '/thales', workflows: ['image-check'], format: 'thales', header: true },
];
const THALES_HEADER = { type: 'header', name: 'X-Image-Check-Key', value: 'thales-demo-secret' } as const;

export interface IntegratorContext {
  url: string;
  call: ApiCall;
  clock: { now(): Date };
  say(line?: string): void;
  startReceiver: typeof startDemoReceiver;
}

/**
 * Starts the receiver, then creates the five endpoints and hands their secrets
 * to it. The first push to OneSpan is refused once with a 503, so the story
 * shows a retry. `verified` collects the ids of the events whose push verified.
 */
export async function startIntegrator(ctx: IntegratorContext) {
  const verified = new Set<string>();
  const problems: string[] = [];
  const systems: Record<string, { format: FormatName; keys: WebhookKey[] }> = {};
  let refused = false;
  const receiver = await ctx.startReceiver({
    now: ctx.clock.now,
    jwksUrl: `${ctx.url}/.well-known/jwks.json`,
    systems,
    refuseOnce: (path) => {
      if (path !== '/onespan' || refused) return false;
      refused = true;
      return true;
    },
    onPush: (p) => {
      verified.add(p.eventId);
      ctx.say(`      ✓ push verified${p.attempt > 1 ? ` on try ${p.attempt}` : ''} (${p.format}): ${p.summary}`);
    },
    onRefused: () => ctx.say('      ✗ the OneSpan receiver answered 503 (a simulated outage): Tidings will retry'),
    onError: (message) => {
      problems.push(message);
      ctx.say(`      ✗ ${message}`);
    },
  });
  for (const s of SYSTEMS) {
    const endpoint = await ctx.call('POST', '/v1/endpoints', {
      url: receiver.url + s.path,
      workflows: s.workflows,
      format: 'vendor',
      ...(s.header ? { auth: THALES_HEADER } : {}),
    });
    const secret = String(endpoint.secret);
    systems[s.path] = { format: s.format, keys: s.header ? [THALES_HEADER, secret] : [secret] };
  }
  ctx.say(`Five endpoints at ${receiver.url}/… receive each system's events in its own wire format.`);
  return { verified, problems, receiver };
}
