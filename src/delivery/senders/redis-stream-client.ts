import { Redis } from 'ioredis';
import type { BrokerClient } from './broker-sender.js';
import { credentialsOf, tlsName } from './broker-sender.js';

/**
 * Redis Streams: XADD with `MAXLEN ~` (the stream stays near its cap
 * without trimming on every add), one field per webhook header plus `body`.
 * The entry id is the receipt. No offline queue and no retries inside the
 * client: a Redis that is down fails the try at once, and the delivery's
 * own schedule retries it.
 */
export const redisStreamClient: BrokerClient<Redis> = {
  async connect(endpoint, options, address) {
    const url = new URL(endpoint.url);
    const credentials = credentialsOf(endpoint);
    const db = Number(url.pathname.slice(1) || '0');
    const redis = new Redis({
      host: address.host,
      port: Number(url.port || '6379'),
      db: Number.isInteger(db) ? db : 0,
      ...(url.protocol === 'rediss:' ? { tls: tlsName(address) } : {}),
      ...(credentials ? { username: credentials.username, password: credentials.password } : {}),
      connectTimeout: options.connectTimeoutMs,
      lazyConnect: true,
      enableReadyCheck: false, // INFO needs a permission a publishing user may lack; XADD fails by itself
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    // ioredis reports a refused connection as "Connection is closed."; the socket's own error says why
    let socketError: unknown = null;
    redis.on('error', (error) => {
      socketError ??= error;
    });
    try {
      await redis.connect();
    } catch (error) {
      redis.disconnect();
      throw socketError ?? error;
    }
    return redis;
  },
  async publish(redis, push, endpoint) {
    const { stream, maxLen } = endpoint.destination as { stream: string; maxLen: number };
    const fields = [...Object.entries(push.headers).flat(), 'body', push.body];
    const id = await redis.xadd(stream, 'MAXLEN', '~', maxLen, '*', ...fields);
    return `entry ${id}`;
  },
  async disconnect(redis) {
    await redis.quit().catch(() => redis.disconnect());
  },
};
