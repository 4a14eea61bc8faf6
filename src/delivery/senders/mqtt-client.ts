import { connectAsync, type MqttClient } from 'mqtt';
import type { BrokerClient } from './broker-sender.js';
import { credentialsOf, hostPort, tlsName } from './broker-sender.js';

/**
 * MQTT 5 at QoS 1: a push succeeds on the broker's PUBACK. The webhook
 * headers travel as user properties and the content type as the message's
 * own, so a subscriber verifies the signature as an HTTP receiver would.
 */
export const mqttClient: BrokerClient<MqttClient> = {
  async connect(endpoint, options, address) {
    const url = new URL(endpoint.url);
    const credentials = credentialsOf(endpoint);
    return connectAsync(
      `${url.protocol}//${hostPort(address.host, url.port || (url.protocol === 'mqtts:' ? '8883' : '1883'))}`,
      {
        protocolVersion: 5,
        connectTimeout: options.connectTimeoutMs,
        // the pool reconnects on the next try; a client reconnecting by itself would queue publishes meanwhile
        reconnectPeriod: 0,
        clean: true,
        ...tlsName(address),
        ...(credentials ? { username: credentials.username, password: credentials.password } : {}),
      },
      false,
    );
  },
  async publish(client, push, endpoint) {
    if (!client.connected) throw new Error('MQTT connection closed');
    const { topic } = endpoint.destination as { topic: string };
    const { 'content-type': contentType, ...rest } = push.headers;
    const packet = await client.publishAsync(topic, push.body, {
      qos: 1,
      properties: { ...(contentType ? { contentType } : {}), userProperties: rest },
    });
    return `acknowledged (packet ${packet?.messageId ?? '?'}) on topic ${topic}`;
  },
  async disconnect(client) {
    await client.endAsync(true).catch(() => {});
  },
};
