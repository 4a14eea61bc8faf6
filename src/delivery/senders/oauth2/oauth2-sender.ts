import { performance } from 'node:perf_hooks';
import { Agent } from 'undici';
import type { SendResult } from '../../attempt-outcome.js';
import type { EndpointRecord } from '../../endpoint.js';
import type { PreparedPush } from '../../prepare-push.js';
import { publicOnlyLookup, type ResolveAll, systemResolveAll } from '../../ssrf-guard.js';
import type { Sender } from '../sender.js';
import { type OAuth2Auth, requestToken, type Token } from './token-request.js';

export interface OAuth2SenderOptions {
  allowInsecure: boolean;
  connectTimeoutMs: number;
  totalTimeoutMs: number;
  clock: () => number;
  resolveAll?: ResolveAll;
}

/** A token is renewed this long before it expires, so no push leaves with one about to lapse. */
const EXPIRY_MARGIN_MS = 30_000;
/** A token without `expires_in` is kept this long (the 401 refresh covers an earlier revocation). */
const DEFAULT_LIFETIME_MS = 5 * 60_000;

interface Cached {
  version: number;
  token: Promise<Token>;
  /** Set once the token arrived. */
  expiresAt?: number;
}

/**
 * HTTP pushes to endpoints with `auth.type: oauth2`: the bearer from a
 * client-credentials grant, one token per endpoint shared by every push of
 * this process (one request in flight when it is due), kept until shortly
 * before it expires. A 401 with a cached token fetches a new one and sends
 * once more; a token that cannot be had is a try of class `token`.
 * Every other endpoint goes straight to `inner`.
 */
export class OAuth2Sender implements Sender {
  private readonly tokens = new Map<string, Cached>();
  private readonly agent: Agent;

  constructor(
    private readonly inner: Sender,
    private readonly options: OAuth2SenderOptions,
  ) {
    const lookup = publicOnlyLookup(options.resolveAll ?? systemResolveAll);
    this.agent = new Agent({
      connect: { timeout: options.connectTimeoutMs, ...(options.allowInsecure ? {} : { lookup }) },
    });
  }

  async send(push: PreparedPush, endpoint: EndpointRecord): Promise<SendResult> {
    if (endpoint.auth.type !== 'oauth2') return this.inner.send(push, endpoint);
    const auth = endpoint.auth;
    const started = performance.now();
    const failed = (error: Extract<SendResult, { kind: 'error' }>): SendResult => ({
      ...error,
      latencyMs: Math.round(performance.now() - started),
    });
    const first = this.entryFor(endpoint, auth, null);
    const token = await this.bearer(endpoint, first.entry);
    if (typeof token !== 'string') return failed(token);
    const result = await this.inner.send(withBearer(push, token), endpoint);
    if (!(result.kind === 'response' && result.status === 401) || first.fresh) return result;
    // the receiver no longer takes the cached token (revoked, keys rolled): once more with a new one
    const renewed = await this.bearer(endpoint, this.entryFor(endpoint, auth, first.entry).entry);
    if (typeof renewed !== 'string') return failed(renewed);
    return this.inner.send(withBearer(push, renewed), endpoint);
  }

  /**
   * The endpoint's cached token while it is not about to expire, else a new
   * request every concurrent push shares. `stale` is a token the receiver
   * refused: replaced, unless another push replaced it already.
   */
  private entryFor(endpoint: EndpointRecord, auth: OAuth2Auth, stale: Cached | null) {
    const now = this.options.clock();
    const cached = this.tokens.get(endpoint.id);
    const usable =
      cached !== undefined &&
      cached !== stale &&
      cached.version === endpoint.updatedAt &&
      (cached.expiresAt === undefined || cached.expiresAt - EXPIRY_MARGIN_MS > now);
    if (usable) return { entry: cached, fresh: false };
    const entry: Cached = { version: endpoint.updatedAt, token: this.fetch(auth, now) };
    entry.token.then(
      (t) => {
        entry.expiresAt = t.expiresAt ?? now + DEFAULT_LIFETIME_MS;
      },
      () => {
        if (this.tokens.get(endpoint.id) === entry) this.tokens.delete(endpoint.id);
      },
    );
    this.tokens.set(endpoint.id, entry);
    return { entry, fresh: true };
  }

  private async bearer(
    _endpoint: EndpointRecord,
    entry: Cached,
  ): Promise<string | Extract<SendResult, { kind: 'error' }>> {
    try {
      return (await entry.token).accessToken;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { kind: 'error', errorClass: 'token', message, latencyMs: 0 };
    }
  }

  private async fetch(auth: OAuth2Auth, nowMs: number): Promise<Token> {
    return requestToken(auth, { dispatcher: this.agent, timeoutMs: this.options.totalTimeoutMs, nowMs });
  }

  async close(): Promise<void> {
    this.tokens.clear();
    await Promise.allSettled([this.agent.close(), this.inner.close()]);
  }
}

function withBearer(push: PreparedPush, token: string): PreparedPush {
  return { ...push, headers: { ...push.headers, authorization: `Bearer ${token}` } };
}
