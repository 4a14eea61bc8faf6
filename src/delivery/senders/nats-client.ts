import { connect, type JetStreamClient, type NatsConnection, headers as natsHeaders, type TlsOptions } from 'nats';
import type { BrokerClient } from './broker-sender.js';
import { credentialsOf, hostPort, tlsName } from './broker-sender.js';

interface NatsJs {
  connection: NatsConnection;
  js: JetStreamClient;
}

/**
 * NATS JetStream: a push succeeds when a stream stored it (the JetStream
 * publish ack), not when core NATS took it: with no stream on the subject
 * the publish fails ("no responders") and is retried. `webhook-id` is the
 * `Nats-Msg-Id`, so a retry within the stream's duplicate window is stored once.
 */
export const natsClient: BrokerClient<NatsJs> = {
  async connect(endpoint, options, address) {
    const url = new URL(endpoint.url);
    const credentials = credentialsOf(endpoint);
    const connection = await connect({
      servers: hostPort(address.host, url.port || '4222'),
      // nats.js hands `tls` to node's tls.connect, so `servername` applies (its type names only its own fields)
      ...(url.protocol === 'tls:' ? { tls: tlsName(address) as TlsOptions } : {}),
      ...(credentials ? { user: credentials.username, pass: credentials.password } : {}),
      timeout: options.connectTimeoutMs,
      // the pool reconnects on the next try; a client reconnecting by itself would hold publishes meanwhile
      reconnect: false,
    });
    return { connection, js: connection.jetstream({ timeout: options.totalTimeoutMs }) };
  },
  async publish({ connection, js }, push, endpoint) {
    if (connection.isClosed()) throw new Error('NATS connection closed');
    const { subject } = endpoint.destination as { subject: string };
    const h = natsHeaders();
    for (const [name, value] of Object.entries(push.headers)) h.set(name, value);
    const ack = await js.publish(subject, Buffer.from(push.body), { msgID: push.headers['webhook-id'], headers: h });
    return `stream ${ack.stream} seq ${ack.seq}${ack.duplicate ? ' (duplicate)' : ''}`;
  },
  async disconnect({ connection }) {
    await connection.close().catch(() => {});
  },
};
