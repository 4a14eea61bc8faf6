/**
 * `@tidings/sdk`: verify Tidings pushes and SETs, parse its wire formats and
 * consume its feed and poll streams, on any runtime with WebCrypto and fetch
 * (Node 20+, Deno, Bun, browsers, edge workers). The management API client is
 * `@tidings/sdk/client`; the file cursor store is `@tidings/sdk/node`.
 */
export { SDK_ERROR_CODES, type SdkErrorCode, TidingsSdkError } from './errors.js';
export { type BackoffOptions, backoffDelay, retryAfterMs } from './feed/backoff.js';
export { type CursorStore, memoryCursorStore } from './feed/cursor-store.js';
export { type FeedOptions, feed } from './feed/feed.js';
export { type PolledSet, type PollOptions, pollStream } from './feed/poll.js';
export {
  type CloudEvent,
  type CryptoEvent,
  FORMAT_SCHEMAS,
  type FormatBody,
  type FormatName,
  type OnespanNotification,
  parseEvent,
  type SetClaims,
  type ThalesNotification,
  type UanatacaEnvelope,
} from './formats/index.js';
export { type KeysByIssuerOptions, keysByIssuer } from './set/keys-by-issuer.js';
export {
  type JwksOptions,
  type JwksResolver,
  type JwksSource,
  jwks,
  type VerifiedSet,
  type VerifySetOptions,
  verifySet,
  verifySetLog,
} from './set/verify-set.js';
export {
  type HeadersLike,
  signWebhook,
  type VerifiedWebhook,
  type VerifyWebhookOptions,
  verifyWebhook,
  type WebhookKey,
  type WebhookRequest,
} from './webhook/verify-webhook.js';
