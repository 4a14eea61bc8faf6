import type { Destination, EndpointType } from '../endpoint.js';
import type { AllowedRange } from '../ip-classification.js';
import { type ResolveAll, refuseEndpointUrl } from '../ssrf-guard.js';

type BrokerType = Exclude<EndpointType, 'http'>;

/** The URL schemes of each broker type: plain, then TLS (the only one allowed without `TIDINGS_ALLOW_INSECURE_ENDPOINTS`). */
const SCHEMES: Record<BrokerType, { plain: string; tls: string }> = {
  amqp: { plain: 'amqp:', tls: 'amqps:' },
  nats: { plain: 'nats:', tls: 'tls:' },
  'redis-stream': { plain: 'redis:', tls: 'rediss:' },
  mqtt: { plain: 'mqtt:', tls: 'mqtts:' },
};

/** The destination field each broker type needs, to name it in a validation error. */
const DESTINATION_KEY: Record<BrokerType, string> = {
  amqp: 'exchange',
  nats: 'subject',
  'redis-stream': 'stream',
  mqtt: 'topic',
};

type Problem = { field: string; message: string };

/** Whether `destination` is the shape `type` needs (the body schema accepts any of the four). */
export function destinationProblems(type: EndpointType, destination: Destination | null): Problem[] {
  if (type === 'http') {
    return destination === null ? [] : [{ field: 'destination', message: 'an http endpoint takes no destination' }];
  }
  const key = DESTINATION_KEY[type];
  if (destination === null || !(key in destination)) {
    return [{ field: 'destination', message: `a ${type} endpoint needs destination.${key}` }];
  }
  return [];
}

/**
 * Why a broker URL may not be an endpoint; `null` when it may. Credentials go
 * in `auth` (sealed, never shown), not in the URL (shown in every answer).
 * The host is judged by the same public-address rule as an HTTP endpoint's.
 */
export async function refuseBrokerUrl(
  type: BrokerType,
  raw: string,
  options: { allowInsecure: boolean; resolveAll: ResolveAll; allowedRanges?: ReadonlyArray<AllowedRange> },
): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'url is not an absolute URL';
  }
  const { plain, tls } = SCHEMES[type];
  if (url.protocol !== plain && url.protocol !== tls) return `url of a ${type} endpoint must be ${plain}// or ${tls}//`;
  if (url.username || url.password) return 'url must not carry credentials: give them in auth (type basic)';
  if (!url.hostname) return 'url has no host';
  if (options.allowInsecure) return null;
  if (url.protocol !== tls) return `url must be ${tls}//`;
  const refused = await refuseEndpointUrl(`https://${url.host}/`, options);
  return refused;
}
