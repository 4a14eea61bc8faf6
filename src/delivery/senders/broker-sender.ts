import { performance } from 'node:perf_hooks';
import type { SendResult } from '../attempt-outcome.js';
import type { EndpointRecord } from '../endpoint.js';
import type { PreparedPush } from '../prepare-push.js';
import { ConnectionPool } from './connection-pool.js';
import type { Sender } from './sender.js';

export interface BrokerSenderOptions {
  connectTimeoutMs: number;
  /** Connect (when needed) and publish until the broker confirms. */
  totalTimeoutMs: number;
}

/** The parts one broker supplies: how to connect, publish with a confirmation, and disconnect. */
export interface BrokerClient<C> {
  connect(endpoint: EndpointRecord, options: BrokerSenderOptions): Promise<C>;
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
 * timer over connect and publish, and every failure (broker down, publish
 * refused, no confirmation in time) answered as an error of class `broker`,
 * which the retry schedule treats like a 5xx.
 */
export class BrokerSender<C> implements Sender {
  private readonly pool: ConnectionPool<C>;

  constructor(
    private readonly client: BrokerClient<C>,
    private readonly options: BrokerSenderOptions,
  ) {
    this.pool = new ConnectionPool(
      (endpoint) => client.connect(endpoint, options),
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
