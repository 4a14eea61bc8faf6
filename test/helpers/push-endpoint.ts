import type { EndpointRecord } from '../../src/delivery/endpoint.js';

/**
 * The fields of an endpoint that `preparePush` reads, for tests that build a
 * push body without storing an endpoint: `format`, a URL, no auth and a fixed
 * signing secret.
 */
export const pushEndpoint = (format: string) =>
  ({
    format,
    url: 'https://receiver.example/hook',
    headers: {},
    auth: { type: 'none' },
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    previousSecret: null,
    previousSecretExpiresAt: null,
  }) as unknown as EndpointRecord;
