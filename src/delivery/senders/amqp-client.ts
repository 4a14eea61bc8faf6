import { type ChannelModel, type ConfirmChannel, connect } from 'amqplib';
import type { EndpointRecord } from '../endpoint.js';
import type { PreparedPush } from '../prepare-push.js';
import { type BrokerClient, credentialsOf, hostPort, tlsName } from './broker-sender.js';

interface AmqpConnection {
  model: ChannelModel;
  channel: ConfirmChannel;
  /** Messages the broker returned as unroutable, by message id, until their confirm arrives. */
  returned: Map<string, string>;
}

/**
 * RabbitMQ (AMQP 0-9-1): a confirm channel per endpoint; a push succeeds
 * when the broker acks the publish (publisher confirms), so a message it
 * could not take (no such exchange, broker shutting down) is retried. It is
 * published `mandatory`: a message no queue is bound to take is returned
 * (basic.return, which RabbitMQ sends before the ack) and the try fails as
 * unroutable instead of being confirmed and silently dropped.
 * Persistent, with the webhook headers as AMQP headers and `webhook-id` as
 * the message id, so consumers deduplicate retries as HTTP receivers do.
 */
export const amqpClient: BrokerClient<AmqpConnection> = {
  async connect(endpoint, options, address) {
    const url = new URL(endpoint.url);
    url.host = hostPort(address.host, url.port || (url.protocol === 'amqps:' ? '5671' : '5672'));
    const credentials = credentialsOf(endpoint);
    if (credentials) {
      url.username = encodeURIComponent(credentials.username);
      url.password = encodeURIComponent(credentials.password);
    }
    const model = await connect(url.toString(), { timeout: options.connectTimeoutMs, ...tlsName(address) });
    model.on('error', () => {}); // a lost connection fails the pending publish, which drops it from the pool
    try {
      const channel = await model.createConfirmChannel();
      channel.on('error', () => {});
      // one 'close' listener per publish awaiting its confirm: as many as the endpoint has in flight
      channel.setMaxListeners(0);
      const returned = new Map<string, string>();
      channel.on(
        'return',
        (message: { fields: { replyCode: number; replyText: string }; properties: { messageId?: unknown } }) => {
          const id = message.properties.messageId;
          if (typeof id === 'string') returned.set(id, `${message.fields.replyCode} ${message.fields.replyText}`);
        },
      );
      return { model, channel, returned };
    } catch (error) {
      await model.close().catch(() => {});
      throw error;
    }
  },
  publish({ channel, returned }, push: PreparedPush, endpoint: EndpointRecord) {
    const { exchange, routingKey } = endpoint.destination as { exchange: string; routingKey: string };
    return new Promise((resolve, reject) => {
      const onClose = (error?: Error) =>
        reject(error ?? new Error('AMQP channel closed before the publish was confirmed'));
      channel.once('close', onClose);
      try {
        channel.publish(
          exchange,
          routingKey,
          Buffer.from(push.body),
          {
            persistent: true,
            mandatory: true,
            contentType: push.headers['content-type'],
            messageId: push.headers['webhook-id'],
            timestamp: Number(push.headers['webhook-timestamp']),
            headers: push.headers,
          },
          (error: unknown) => {
            channel.removeListener('close', onClose);
            const messageId = push.headers['webhook-id'] ?? '';
            const returnedWhy = returned.get(messageId);
            returned.delete(messageId);
            if (error) reject(error instanceof Error ? error : new Error('AMQP publish was nacked by the broker'));
            else if (returnedWhy !== undefined) {
              reject(
                new Error(
                  `unroutable (${returnedWhy}): no queue is bound to exchange "${exchange}" for routing key "${routingKey}"`,
                ),
              );
            } else resolve(`confirmed by exchange "${exchange}" (routing key "${routingKey}")`);
          },
        );
      } catch (error) {
        channel.removeListener('close', onClose);
        reject(error);
      }
    });
  },
  async disconnect({ model }) {
    await model.close().catch(() => {});
  },
};
