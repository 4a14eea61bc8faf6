import type { SendResult } from '../attempt-outcome.js';
import type { EndpointRecord, EndpointType } from '../endpoint.js';
import type { PreparedPush } from '../prepare-push.js';
import { BrokerSender, type BrokerSenderOptions } from './broker-sender.js';
import { loadedOnFirstUse } from './loaded-on-first-use.js';
import type { Sender } from './sender.js';

/**
 * The broker senders, one per broker type; each pools its own connections.
 * Each broker's client module is imported on its first push (`loadedOnFirstUse`).
 */
export function brokerSenders(options: BrokerSenderOptions): Record<Exclude<EndpointType, 'http'>, Sender> {
  return {
    amqp: new BrokerSender(
      loadedOnFirstUse(() => import('./amqp-client.js').then((m) => m.amqpClient)),
      options,
    ),
    nats: new BrokerSender(
      loadedOnFirstUse(() => import('./nats-client.js').then((m) => m.natsClient)),
      options,
    ),
    'redis-stream': new BrokerSender(
      loadedOnFirstUse(() => import('./redis-stream-client.js').then((m) => m.redisStreamClient)),
      options,
    ),
    mqtt: new BrokerSender(
      loadedOnFirstUse(() => import('./mqtt-client.js').then((m) => m.mqttClient)),
      options,
    ),
  };
}

/** Picks the sender of the endpoint's `type`; the dispatcher and `deliverOne` see one `Sender`. */
export class SenderByType implements Sender {
  constructor(private readonly senders: Record<EndpointType, Sender>) {}

  send(push: PreparedPush, endpoint: EndpointRecord): Promise<SendResult> {
    return this.senders[endpoint.type].send(push, endpoint);
  }

  async close(): Promise<void> {
    await Promise.allSettled(Object.values(this.senders).map((s) => s.close()));
  }
}
