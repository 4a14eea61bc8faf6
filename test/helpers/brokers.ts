import { connect } from 'node:net';

/**
 * The brokers the destination tests publish to: RabbitMQ, NATS (JetStream),
 * Redis and Mosquitto on loopback, as `.ci/run` starts them. A file whose
 * broker is not listening is skipped with a loud warning, unless
 * `TIDINGS_REQUIRE_BROKERS=1` (set by `.ci/run`), which makes it an error.
 */
export const BROKERS = {
  amqp: { url: 'amqp://127.0.0.1:5672', port: 5672 },
  nats: { url: 'nats://127.0.0.1:4222', port: 4222 },
  redis: { url: 'redis://127.0.0.1:6379', port: 6379 },
  mqtt: { url: 'mqtt://127.0.0.1:1883', port: 1883 },
} as const;

/** One TCP connect; a slow answer on a loaded machine is tried again (`brokersSkip`), not taken as down. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: 3000 });
    socket.once('connect', () => resolve(socket.destroy() !== undefined));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => resolve(socket.destroy() === undefined));
  });
}

/** `false` when every named broker listens; otherwise the skip reason (or a throw when they are required). */
export async function brokersSkip(...names: Array<keyof typeof BROKERS>): Promise<false | string> {
  const down: string[] = [];
  for (const name of names)
    if (!(await listening(BROKERS[name].port))) down.push(`${name} (127.0.0.1:${BROKERS[name].port})`);
  if (down.length === 0) return false;
  const reason = `broker not listening: ${down.join(', ')}`;
  if (process.env.TIDINGS_REQUIRE_BROKERS === '1') throw new Error(`${reason} and TIDINGS_REQUIRE_BROKERS=1`);
  console.warn(
    `\n*** ${reason}: skipping its destination tests\n*** start it (see .ci/run), or TIDINGS_REQUIRE_BROKERS=1 to fail instead\n`,
  );
  return reason;
}
