import { type ChannelModel, type ConfirmChannel, connect } from 'amqplib';
import type { EndpointRecord } from '../endpoint.js';
import type { PreparedPush } from '../prepare-push.js';
import { type BrokerClient, credentialsOf, hostPort, tlsName } from './broker-sender.js';

interface AmqpConnection {
  model: ChannelModel;
  channel: ConfirmChannel;
}

/**
 * RabbitMQ (AMQP 0-9-1): a confirm channel per endpoint; a push succeeds
 * when the broker acks the publish (publisher confirms), so a message it
 * could not take (no such exchange, broker shutting down) is retried.
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
      return { model, channel };
    } catch (error) {
      await model.close().catch(() => {});
      throw error;
    }
  },
  publish({ channel }, push: PreparedPush, endpoint: EndpointRecord) {
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
            contentType: push.headers['content-type'],
            messageId: push.headers['webhook-id'],
            timestamp: Number(push.headers['webhook-timestamp']),
            headers: push.headers,
          },
          (error: unknown) => {
            channel.removeListener('close', onClose);
            if (error) reject(error instanceof Error ? error : new Error('AMQP publish was nacked by the broker'));
            else resolve(`confirmed by exchange "${exchange}" (routing key "${routingKey}")`);
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
