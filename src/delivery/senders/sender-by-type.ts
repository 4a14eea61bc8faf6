import type { SendResult } from '../attempt-outcome.js';
import type { EndpointRecord, EndpointType } from '../endpoint.js';
import type { PreparedPush } from '../prepare-push.js';
import { amqpClient } from './amqp-client.js';
import { BrokerSender, type BrokerSenderOptions } from './broker-sender.js';
import { mqttClient } from './mqtt-client.js';
import { natsClient } from './nats-client.js';
import { redisStreamClient } from './redis-stream-client.js';
import type { Sender } from './sender.js';

/** The broker senders, one per broker type; each pools its own connections. */
export function brokerSenders(options: BrokerSenderOptions): Record<Exclude<EndpointType, 'http'>, Sender> {
  return {
    amqp: new BrokerSender(amqpClient, options),
    nats: new BrokerSender(natsClient, options),
    'redis-stream': new BrokerSender(redisStreamClient, options),
    mqtt: new BrokerSender(mqttClient, options),
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
