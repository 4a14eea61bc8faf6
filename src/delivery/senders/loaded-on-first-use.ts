import type { BrokerClient } from './broker-sender.js';

/**
 * A broker client whose module, and the npm client behind it (nats, ioredis,
 * amqplib, mqtt), is imported on its first connection rather than at start-up:
 * a process whose endpoints are all HTTPS never loads them (together about a
 * tenth of a worker's start-up CPU, measured with `--cpu-prof`). A failed
 * import fails that connect like any broker error (class `broker`, retried)
 * and is tried again on the next connect.
 *
 * @example
 * const nats = loadedOnFirstUse(() => import('./nats-client.js').then((m) => m.natsClient));
 */
export function loadedOnFirstUse<C>(load: () => Promise<BrokerClient<C>>): BrokerClient<C> {
  let loading: Promise<BrokerClient<C>> | undefined;
  const client = (): Promise<BrokerClient<C>> => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
  return {
    async connect(endpoint, options, address) {
      return (await client()).connect(endpoint, options, address);
    },
    async publish(connection, push, endpoint) {
      return (await client()).publish(connection, push, endpoint);
    },
    async disconnect(connection) {
      return (await client()).disconnect(connection);
    },
  };
}
