import { performance } from 'node:perf_hooks';
import { Agent, type Dispatcher, ProxyAgent } from 'undici';
import type { SendResult } from '../../attempt-outcome.js';
import type { EndpointRecord } from '../../endpoint.js';
import type { AllowedRange } from '../../ip-classification.js';
import type { PreparedPush } from '../../prepare-push.js';
import { publicOnlyLookup, type ResolveAll, refuseEndpointUrl, systemResolveAll } from '../../ssrf-guard.js';
import type { Sender } from '../sender.js';
import { type OAuth2Auth, requestToken, type Token, TokenError } from './token-request.js';
import type { TokenStore } from './token-store.js';

export interface OAuth2SenderOptions {
  allowInsecure: boolean;
  connectTimeoutMs: number;
  totalTimeoutMs: number;
  clock: () => number;
  resolveAll?: ResolveAll;
  /** Non-public ranges the operator lets endpoints (and so their token URLs) reach. */
  allowedRanges?: ReadonlyArray<AllowedRange>;
  /** Where every worker finds the token another one fetched (the delivery store). */
  tokens: TokenStore;
  /** `TIDINGS_PUSH_PROXY`: token requests leave through the endpoint's proxy (or this one), as its pushes do. */
  proxy?: string | null;
}

/** A token is renewed this long before it expires, so no push leaves with one about to lapse. */
const EXPIRY_MARGIN_MS = 30_000;
/** A token without `expires_in` is kept this long (the 401 refresh covers an earlier revocation). */
const DEFAULT_LIFETIME_MS = 5 * 60_000;
/** How often a worker looks for the token another worker claimed to fetch. */
const WAIT_POLL_MS = 50;

/** A token as a lookup got it; `fetched` when that lookup asked the token endpoint for it (not the store). */
interface Bearer {
  accessToken: string;
  expiresAt: number;
  fetched: boolean;
}

interface Cached {
  version: number;
  token: Promise<Bearer>;
  /** Set once the token arrived. */
  expiresAt?: number;
}

/** Whether a token of this endpoint version may still leave with a push at `now`. */
function usable(t: { version: number; expiresAt?: number }, endpoint: EndpointRecord, now: number): boolean {
  return t.version === endpoint.updatedAt && (t.expiresAt === undefined || t.expiresAt - EXPIRY_MARGIN_MS > now);
}

/**
 * HTTP pushes to endpoints with `auth.type: oauth2`: the bearer from a
 * client-credentials grant, one token per endpoint shared by every push of
 * every worker, kept until shortly before it expires. In a process, pushes
 * share one lookup per endpoint; across processes, the token lives in the
 * store (sealed) and one worker claims each fetch while the others wait for
 * it. A 401 fetches a new token (unless another worker already replaced the
 * refused one) and sends once more; a token that cannot be had is a try of
 * class `token`. Every other endpoint goes straight to `inner`.
 */
export class OAuth2Sender implements Sender {
  private readonly tokens = new Map<string, Cached>();
  private readonly agent: Agent;
  /** One agent per proxy URL, for token requests of endpoints whose pushes leave through it. */
  private readonly proxyAgents = new Map<string, ProxyAgent>();

  constructor(
    private readonly inner: Sender,
    private readonly options: OAuth2SenderOptions,
  ) {
    const lookup = publicOnlyLookup(options.resolveAll ?? systemResolveAll, options.allowedRanges);
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
    const token = await this.bearer(first.entry);
    if (!('accessToken' in token)) return failed(token);
    const result = await this.inner.send(withBearer(push, token.accessToken), endpoint);
    // a token the token endpoint issued for this very push is not asked for again
    if (!(result.kind === 'response' && result.status === 401) || (first.fresh && token.fetched)) return result;
    // the receiver no longer takes the token (revoked, keys rolled): once more with a new one
    const renewed = await this.bearer(this.entryFor(endpoint, auth, first.entry).entry);
    if (!('accessToken' in renewed)) return failed(renewed);
    return this.inner.send(withBearer(push, renewed.accessToken), endpoint);
  }

  /**
   * The endpoint's token in this process while it is not about to expire,
   * else one lookup every concurrent push of this process shares. `stale` is
   * a token the receiver refused: replaced, unless another push replaced it already.
   */
  private entryFor(endpoint: EndpointRecord, auth: OAuth2Auth, stale: Cached | null) {
    const now = this.options.clock();
    const cached = this.tokens.get(endpoint.id);
    if (cached !== undefined && cached !== stale && usable(cached, endpoint, now))
      return { entry: cached, fresh: false };
    const refused = stale ? stale.token.then((t) => t.accessToken).catch(() => null) : Promise.resolve(null);
    const entry: Cached = {
      version: endpoint.updatedAt,
      token: refused.then((r) => this.shared(endpoint, auth, r)),
    };
    entry.token.then(
      (t) => {
        entry.expiresAt = t.expiresAt;
      },
      () => {
        if (this.tokens.get(endpoint.id) === entry) this.tokens.delete(endpoint.id);
      },
    );
    this.tokens.set(endpoint.id, entry);
    return { entry, fresh: true };
  }

  /**
   * The token every worker shares: the stored one while usable (and not the
   * `refused` one), else this worker claims the fetch and stores what it got,
   * or waits for the worker that claimed it. A claim lasts the fetch's whole
   * timeout, so a worker that died holding it delays the others by that much.
   */
  private async shared(endpoint: EndpointRecord, auth: OAuth2Auth, refused: string | null): Promise<Bearer> {
    const store = this.options.tokens;
    const waitUntil = performance.now() + this.options.totalTimeoutMs * 2;
    for (;;) {
      const now = this.options.clock();
      const stored = await store.readToken(endpoint.id);
      if (stored && stored.accessToken !== refused && usable(stored, endpoint, now)) {
        return { accessToken: stored.accessToken, expiresAt: stored.expiresAt, fetched: false };
      }
      if (await store.claimTokenFetch(endpoint.id, now, now + this.options.totalTimeoutMs + 1_000)) {
        // Another worker may have saved a new token (ending its claim) between
        // our read and our claim: use that one, or every worker that met the
        // 401 would fetch a token of its own, each refused tokens the others hold.
        const saved = await store.readToken(endpoint.id);
        if (saved && saved.accessToken !== refused && usable(saved, endpoint, now)) {
          await store.releaseTokenFetch(endpoint.id);
          return { accessToken: saved.accessToken, expiresAt: saved.expiresAt, fetched: false };
        }
        let token: Token;
        try {
          token = await requestToken(auth, {
            dispatcher: await this.dispatcherFor(endpoint, auth),
            timeoutMs: this.options.totalTimeoutMs,
            nowMs: now,
          });
        } catch (error) {
          await store.releaseTokenFetch(endpoint.id).catch(() => {});
          throw error;
        }
        const expiresAt = token.expiresAt ?? now + DEFAULT_LIFETIME_MS;
        await store.saveToken({
          endpointId: endpoint.id,
          version: endpoint.updatedAt,
          accessToken: token.accessToken,
          expiresAt,
        });
        return { accessToken: token.accessToken, expiresAt, fetched: true };
      }
      if (performance.now() > waitUntil) {
        throw new TokenError('another worker claimed the token request and stored no token in time');
      }
      await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
    }
  }

  /**
   * The direct agent (its connect-time lookup judges the token URL's
   * addresses), or, when the endpoint's pushes leave through a proxy, that
   * proxy, so the authorization server sees the same source address as the
   * receiver. The proxy resolves the name itself: the token URL is judged first.
   */
  private async dispatcherFor(endpoint: EndpointRecord, auth: OAuth2Auth): Promise<Dispatcher> {
    const proxy = endpoint.proxy ?? this.options.proxy ?? null;
    if (!proxy) return this.agent;
    if (!this.options.allowInsecure) {
      const refused = await refuseEndpointUrl(auth.tokenUrl, {
        allowInsecure: false,
        resolveAll: this.options.resolveAll ?? systemResolveAll,
        ...(this.options.allowedRanges ? { allowedRanges: this.options.allowedRanges } : {}),
      });
      if (refused) throw new TokenError(refused.replace(/^url/, 'tokenUrl'));
    }
    let agent = this.proxyAgents.get(proxy);
    if (!agent) {
      agent = new ProxyAgent({ uri: proxy, proxyTls: { timeout: this.options.connectTimeoutMs } });
      this.proxyAgents.set(proxy, agent);
    }
    return agent;
  }

  private async bearer(entry: Cached): Promise<Bearer | Extract<SendResult, { kind: 'error' }>> {
    try {
      return await entry.token;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { kind: 'error', errorClass: 'token', message, latencyMs: 0 };
    }
  }

  async close(): Promise<void> {
    this.tokens.clear();
    const proxies = [...this.proxyAgents.values()].map((a) => a.close());
    this.proxyAgents.clear();
    await Promise.allSettled([this.agent.close(), ...proxies, this.inner.close()]);
  }
}

function withBearer(push: PreparedPush, token: string): PreparedPush {
  return { ...push, headers: { ...push.headers, authorization: `Bearer ${token}` } };
}
