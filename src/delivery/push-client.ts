import { performance } from 'node:perf_hooks';
import { Agent } from 'undici';
import type { ErrorClass, SendResult } from './attempt-outcome.js';
import type { EndpointRecord } from './endpoint.js';
import type { PreparedPush } from './prepare-push.js';
import { publicOnlyLookup, type ResolveAll, refuseLiteralHost, systemResolveAll } from './ssrf-guard.js';

export interface PushClientOptions {
  /** Skip the public-address check (development, tests): `TIDINGS_ALLOW_INSECURE_ENDPOINTS`. */
  allowInsecure: boolean;
  connectTimeoutMs: number;
  /** Whole request: connect, send, headers and the (capped) body. */
  totalTimeoutMs: number;
  /** Sockets kept per endpoint: as many as pushes may be in flight to it (`perEndpointConcurrency`). */
  connectionsPerEndpoint: number;
  resolveAll?: ResolveAll;
}

/** The response excerpt kept per attempt; enough to read an error message, never a whole payload. */
export const EXCERPT_BYTES = 1024;
/** Bytes of a response read at most before the connection is dropped (a slow or endless body). */
const MAX_READ_BYTES = 64 * 1024;

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_OSSL_)/;

function classify(error: unknown): { errorClass: ErrorClass; message: string } {
  const e = error as { name?: string; code?: string; message?: string; cause?: unknown };
  // DOMException (AbortSignal.timeout) has a numeric `code`; only Node's string codes mean anything here.
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(error);
  if (
    e.name === 'TimeoutError' ||
    e.name === 'AbortError' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT'
  ) {
    return { errorClass: 'timeout', message: code || 'the request timed out' };
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
export class PushClient {
  private readonly agents = new Map<string, { version: number; agent: Agent }>();
  private readonly lookup;

  constructor(private readonly options: PushClientOptions) {
    this.lookup = publicOnlyLookup(options.resolveAll ?? systemResolveAll);
  }

  private agentFor(endpoint: EndpointRecord): Agent {
    const cached = this.agents.get(endpoint.id);
    if (cached && cached.version === endpoint.updatedAt) return cached.agent;
    if (cached) void cached.agent.close().catch(() => {});
    const connect = {
      timeout: this.options.connectTimeoutMs,
      ...(endpoint.tls ? { ca: endpoint.tls.ca } : {}),
      ...(endpoint.auth.type === 'mtls' ? { cert: endpoint.auth.cert, key: endpoint.auth.key } : {}),
      ...(this.options.allowInsecure ? {} : { lookup: this.lookup }),
    };
    const agent = new Agent({ connect, keepAliveTimeout: 30_000, connections: this.options.connectionsPerEndpoint });
    this.agents.set(endpoint.id, { version: endpoint.updatedAt, agent });
    return agent;
  }

  async send(push: PreparedPush, endpoint: EndpointRecord): Promise<SendResult> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    if (!this.options.allowInsecure) {
      const refused = refuseLiteralHost(push.url);
      if (refused) return { kind: 'error', errorClass: 'connection', message: refused, latencyMs: 0 };
    }
    try {
      const response = await this.agentFor(endpoint).request({
        origin: push.url.origin,
        path: `${push.url.pathname}${push.url.search}`,
        method: 'POST',
        headers: push.headers,
        body: push.body,
        signal: AbortSignal.timeout(this.options.totalTimeoutMs),
        headersTimeout: this.options.totalTimeoutMs,
        bodyTimeout: this.options.totalTimeoutMs,
      });
      const excerpt = await readExcerpt(response.body);
      const retryAfter = response.headers['retry-after'];
      return {
        kind: 'response',
        status: response.statusCode,
        retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
        excerpt,
        latencyMs: latency(),
      };
    } catch (error) {
      return { kind: 'error', ...classify(error), latencyMs: latency() };
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.agents.values()].map(({ agent }) => agent.close()));
    this.agents.clear();
  }
}

/** Reads the start of a response body; stops (dropping the socket) after `MAX_READ_BYTES`. */
async function readExcerpt(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let read = 0;
  for await (const chunk of body) {
    read += chunk.length;
    if (kept < EXCERPT_BYTES) {
      chunks.push(chunk.subarray(0, EXCERPT_BYTES - kept));
      kept += Math.min(chunk.length, EXCERPT_BYTES - kept);
    }
    if (read > MAX_READ_BYTES) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}
