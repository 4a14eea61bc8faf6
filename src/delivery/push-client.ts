import { performance } from 'node:perf_hooks';
import { Agent, type Dispatcher, ProxyAgent } from 'undici';
import type { ErrorClass, SendResult } from './attempt-outcome.js';
import type { EndpointRecord } from './endpoint.js';
import type { AllowedRange } from './ip-classification.js';
import type { PreparedPush } from './prepare-push.js';
import type { Sender } from './senders/sender.js';
import {
  publicOnlyLookup,
  type ResolveAll,
  refuseEndpointUrl,
  refuseLiteralHost,
  systemResolveAll,
} from './ssrf-guard.js';

export interface PushClientOptions {
  /** Skip the public-address check (development, tests): `TIDINGS_ALLOW_INSECURE_ENDPOINTS`. */
  allowInsecure: boolean;
  connectTimeoutMs: number;
  /** Whole request: connect, send, headers and the (capped) body. */
  totalTimeoutMs: number;
  /** Sockets kept per endpoint: as many as pushes may be in flight to it (`perEndpointConcurrency`). */
  connectionsPerEndpoint: number;
  resolveAll?: ResolveAll;
  /** Non-public ranges the operator lets endpoints reach (`allowedEndpointRanges`). */
  allowedRanges?: ReadonlyArray<AllowedRange>;
  /** HTTP CONNECT proxy for every push (`TIDINGS_PUSH_PROXY`); an endpoint's `proxy` wins. */
  proxy?: string | null;
}

/** The response excerpt kept per attempt; enough to read an error message, never a whole payload. */
export const EXCERPT_BYTES = 1024;
/** Bytes of a response read at most before the connection is dropped (a slow or endless body). */
const MAX_READ_BYTES = 64 * 1024;

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_OSSL_)/;

function classify(error: unknown): { errorClass: ErrorClass; message: string } {
  const e = error as { name?: string; code?: string; message?: string; cause?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(error);
  if (
    code === 'UND_ERR_TOTAL_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT'
  ) {
    return { errorClass: 'timeout', message: `${code}: ${message}` };
  }
  if (TLS_CODES.test(code) || /ssl|tls|certificate/i.test(message)) return { errorClass: 'tls', message };
  if (e.cause && e.cause !== error) return classify(e.cause);
  return { errorClass: 'connection', message: code ? `${code}: ${message}` : message };
}

/**
 * Step 2 of a push: one POST with undici. One `Agent` per endpoint (its own
 * pool per origin, keep-alive, the endpoint's client certificate and CA), so
 * endpoints never share sockets or TLS settings. Redirects are not followed:
 * a 3xx is an answer like any other non-2xx.
 */
export class PushClient implements Sender {
  private readonly agents = new Map<string, { version: number; agent: Agent | ProxyAgent }>();
  private readonly lookup;
  private readonly resolveAll: ResolveAll;

  constructor(private readonly options: PushClientOptions) {
    this.resolveAll = options.resolveAll ?? systemResolveAll;
    this.lookup = publicOnlyLookup(this.resolveAll, options.allowedRanges);
  }

  private proxyOf(endpoint: EndpointRecord): string | null {
    return endpoint.proxy ?? this.options.proxy ?? null;
  }

  private agentFor(endpoint: EndpointRecord): Agent | ProxyAgent {
    const cached = this.agents.get(endpoint.id);
    if (cached && cached.version === endpoint.updatedAt) return cached.agent;
    if (cached) void cached.agent.close().catch(() => {});
    const connect = {
      timeout: this.options.connectTimeoutMs,
      ...(endpoint.tls ? { ca: endpoint.tls.ca } : {}),
      ...(endpoint.auth.type === 'mtls' ? { cert: endpoint.auth.cert, key: endpoint.auth.key } : {}),
      ...(this.options.allowInsecure ? {} : { lookup: this.lookup }),
    };
    const proxy = this.proxyOf(endpoint);
    const pool = { keepAliveTimeout: 30_000, connections: this.options.connectionsPerEndpoint };
    // Through a proxy the connect options are the tunnel's TLS to the endpoint;
    // the proxy resolves the endpoint's name, so `send` judges its address first.
    const agent = proxy
      ? new ProxyAgent({
          uri: proxy,
          ...pool,
          requestTls: connect,
          proxyTls: { timeout: this.options.connectTimeoutMs },
        })
      : new Agent({ connect, ...pool });
    this.agents.set(endpoint.id, { version: endpoint.updatedAt, agent });
    return agent;
  }

  async send(push: PreparedPush, endpoint: EndpointRecord): Promise<SendResult> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    if (!this.options.allowInsecure) {
      const refused = refuseLiteralHost(push.url, this.options.allowedRanges);
      if (refused) return { kind: 'error', errorClass: 'connection', message: refused, latencyMs: 0 };
      if (this.proxyOf(endpoint)) {
        // the connect-time lookup sees only the proxy's address: judge the endpoint's own before the CONNECT
        const viaProxy = await refuseEndpointUrl(push.url.href, {
          allowInsecure: false,
          resolveAll: this.resolveAll,
          ...(this.options.allowedRanges ? { allowedRanges: this.options.allowedRanges } : {}),
        });
        if (viaProxy) return { kind: 'error', errorClass: 'connection', message: viaProxy, latencyMs: latency() };
      }
    }
    try {
      const response = await post(this.agentFor(endpoint), push, this.options.totalTimeoutMs);
      return { kind: 'response', ...response, latencyMs: latency() };
    } catch (error) {
      return { kind: 'error', ...classify(error), latencyMs: latency() };
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.agents.values()].map(({ agent }) => agent.close()));
    this.agents.clear();
  }
}

/** The whole request took longer than `totalTimeoutMs` (undici's own timeouts cover one phase each). */
class TotalTimeoutError extends Error {
  readonly code = 'UND_ERR_TOTAL_TIMEOUT';
  constructor(ms: number) {
    super(`no complete answer within ${ms} ms`);
    this.name = 'TotalTimeoutError';
  }
}

/**
 * One POST through the agent's `dispatch` with a handler: the status, the
 * `Retry-After` header and the start of the body (the rest is dropped with
 * the connection past `MAX_READ_BYTES`). One timer bounds the whole request.
 * `request()` with an `AbortSignal.timeout` and a body stream did the same at
 * ~60 µs of CPU a push against ~40 µs here (one loopback receiver, 64 in flight).
 */
function post(
  agent: Dispatcher,
  push: PreparedPush,
  totalTimeoutMs: number,
): Promise<{ status: number; retryAfter: string | undefined; excerpt: string }> {
  return new Promise((resolve, reject) => {
    let controller: Dispatcher.DispatchController | null = null;
    let settled = false;
    let status = 0;
    let retryAfter: string | undefined;
    const chunks: Buffer[] = [];
    let kept = 0;
    let read = 0;
    const settle = (error: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve({ status, retryAfter, excerpt: Buffer.concat(chunks).toString('utf8') });
    };
    const timer = setTimeout(() => {
      const error = new TotalTimeoutError(totalTimeoutMs);
      settle(error);
      controller?.abort(error); // not started yet: aborted in onRequestStart
    }, totalTimeoutMs);
    try {
      agent.dispatch(
        {
          origin: push.url.origin,
          path: `${push.url.pathname}${push.url.search}`,
          method: 'POST',
          headers: push.headers,
          body: push.body,
          headersTimeout: totalTimeoutMs,
          bodyTimeout: totalTimeoutMs,
        },
        {
          onRequestStart(c) {
            controller = c;
            if (settled) c.abort(new TotalTimeoutError(totalTimeoutMs));
          },
          onResponseStart(_c, statusCode, headers) {
            if (statusCode < 200) return; // informational: the answer is still to come
            status = statusCode;
            const value = headers['retry-after'];
            retryAfter = Array.isArray(value) ? value[0] : value;
          },
          onResponseData(c, chunk) {
            read += chunk.length;
            if (kept < EXCERPT_BYTES) {
              const part = chunk.subarray(0, EXCERPT_BYTES - kept);
              chunks.push(part);
              kept += part.length;
            }
            if (read > MAX_READ_BYTES) {
              settle(null);
              c.abort(new Error('response body too long: dropped'));
            }
          },
          onResponseEnd() {
            settle(null);
          },
          onResponseError(_c, error) {
            settle(error);
          },
        },
      );
    } catch (error) {
      settle(error instanceof Error ? error : new Error(String(error))); // bad options: no request went out
    }
  });
}
