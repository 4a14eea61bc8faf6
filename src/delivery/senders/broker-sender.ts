import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { SendResult } from '../attempt-outcome.js';
import type { EndpointRecord } from '../endpoint.js';
import { type AllowedRange, classifyAddress } from '../ip-classification.js';
import type { PreparedPush } from '../prepare-push.js';
import { type ResolveAll, systemResolveAll } from '../ssrf-guard.js';
import { ConnectionPool } from './connection-pool.js';
import type { Sender } from './sender.js';

export interface BrokerSenderOptions {
  connectTimeoutMs: number;
  /** Connect (when needed) and publish until the broker confirms. */
  totalTimeoutMs: number;
  /** `TIDINGS_ALLOW_INSECURE_ENDPOINTS`: connect to the URL's host unjudged. */
  allowInsecure: boolean;
  resolveAll?: ResolveAll;
  /** Non-public ranges the operator lets endpoints reach (`allowedEndpointRanges`). */
  allowedRanges?: ReadonlyArray<AllowedRange>;
}

/** Where a client connects: the address the SSRF guard judged just now, and the name TLS verifies. */
export interface BrokerAddress {
  /** An IP address (or, with `allowInsecure`, the URL's host name as it is). */
  host: string;
  /** The URL's host name, for TLS (SNI and the certificate check). */
  servername: string;
}

/** The broker's address is not public (and not in an allowed range) at connect time. */
export class NonPublicBrokerError extends Error {
  override readonly name = 'NonPublicBrokerError';
}

/**
 * The SSRF guard at connect time: the broker's host name is resolved now
 * (it may point elsewhere than when the endpoint was created: DNS rebinding)
 * and every address must be public or in the operator's allowed ranges. The
 * client then connects to the address judged, never resolving the name again.
 */
export async function brokerAddress(
  endpoint: EndpointRecord,
  options: Pick<BrokerSenderOptions, 'allowInsecure' | 'resolveAll' | 'allowedRanges'>,
): Promise<BrokerAddress> {
  const servername = new URL(endpoint.url).hostname.replace(/^\[|\]$/g, '');
  if (options.allowInsecure) return { host: servername, servername };
  const addresses = isIP(servername)
    ? [servername]
    : (await (options.resolveAll ?? systemResolveAll)(servername)).map((a) => a.address);
  if (addresses.length === 0) throw new NonPublicBrokerError(`${servername} resolves to no address`);
  for (const address of addresses) {
    const verdict = classifyAddress(address, options.allowedRanges);
    if (!verdict.public) {
      throw new NonPublicBrokerError(
        `${servername} resolves to a non-public address (${verdict.reason}); not connecting`,
      );
    }
  }
  return { host: addresses[0] as string, servername };
}

/** `host:port` for clients that take one string; an IPv6 address in brackets. */
export function hostPort(host: string, port: string): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** TLS options that verify the URL's host name while the socket goes to the judged address (no SNI for an IP). */
export function tlsName(address: BrokerAddress): { servername?: string } {
  return isIP(address.servername) ? {} : { servername: address.servername };
}

/** The parts one broker supplies: how to connect, publish with a confirmation, and disconnect. */
export interface BrokerClient<C> {
  /** Connects to `address` (already judged by the SSRF guard), not to the URL's host name. */
  connect(endpoint: EndpointRecord, options: BrokerSenderOptions, address: BrokerAddress): Promise<C>;
  /** Resolves with the broker's receipt once it has taken the message (publisher confirm, PUBACK, stream id). */
  publish(connection: C, push: PreparedPush, endpoint: EndpointRecord): Promise<string>;
  disconnect(connection: C): Promise<void>;
}

class BrokerTimeoutError extends Error {}

/** The user and password of a `basic` auth, for the broker's own login. */
export function credentialsOf(endpoint: EndpointRecord): { username: string; password: string } | null {
  return endpoint.auth.type === 'basic' ? { username: endpoint.auth.username, password: endpoint.auth.password } : null;
}

/**
 * A `Sender` over one broker's client: a pooled connection per endpoint, one
 * timer over connect and publish, the broker's address judged on every new
 * connection (`brokerAddress`), and every failure (broker down, address not
 * public, publish refused or unroutable, no confirmation in time) answered as
 * an error of class `broker`,
 * which the retry schedule treats like a 5xx.
 */
export class BrokerSender<C> implements Sender {
  private readonly pool: ConnectionPool<C>;

  constructor(
    private readonly client: BrokerClient<C>,
    private readonly options: BrokerSenderOptions,
  ) {
    this.pool = new ConnectionPool(
      async (endpoint) => client.connect(endpoint, options, await brokerAddress(endpoint, options)),
      (connection) => client.disconnect(connection),
    );
  }

  async send(push: PreparedPush, endpoint: EndpointRecord): Promise<SendResult> {
    const started = performance.now();
    const latencyMs = () => Math.round(performance.now() - started);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new BrokerTimeoutError()), this.options.totalTimeoutMs);
    });
    try {
      const publish = this.pool.get(endpoint).then((c) => this.client.publish(c, push, endpoint));
      publish.catch(() => {}); // lost the race with the deadline: its failure is already recorded
      const receipt = await Promise.race([publish, deadline]);
      return { kind: 'published', receipt, latencyMs: latencyMs() };
    } catch (error) {
      this.pool.drop(endpoint);
      const message =
        error instanceof BrokerTimeoutError
          ? `no confirmation from the broker within ${this.options.totalTimeoutMs} ms`
          : describeError(error);
      return { kind: 'error', errorClass: 'broker', message, latencyMs: latencyMs() };
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    return this.pool.closeAll();
  }
}

function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describeError(error.errors[0]);
  const e = error as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(error);
  return typeof e.code === 'string' && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}
