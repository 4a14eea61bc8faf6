import type { ResponseOf } from '@tidings/sdk/client';

/**
 * The API's answers as the console reads them: aliases of the types the SDK
 * generates from openapi.json (`packages/sdk/src/client/api-types.ts`), so the
 * server's schemas are the one source of truth and a changed route breaks the
 * console's type check rather than the page. Type-only: nothing of the SDK is
 * bundled.
 */
export type Endpoint = ResponseOf<'/v1/endpoints/{id}', 'get'>;
export type Delivery = ResponseOf<'/v1/endpoints/{id}/deliveries', 'get'>['deliveries'][number];
export type Attempt = ResponseOf<'/v1/endpoints/{id}/attempts', 'get'>['attempts'][number];
export type TestAnswer = ResponseOf<'/v1/endpoints/{id}/test', 'post'>;
export type DeliveryStats = ResponseOf<'/v1/stats/deliveries', 'get'>;
export type Subject = ResponseOf<'/v1/subjects/{id}', 'get'>;
export type SubjectHistory = ResponseOf<'/v1/subjects/{id}/history', 'get'>;
export type HistoryEvent = SubjectHistory['events'][number];
export type ApiKey = ResponseOf<'/v1/api-keys', 'get'>['apiKeys'][number];
export type SigningKey = ResponseOf<'/v1/signing-keys', 'get'>['keys'][number];
export type PortalSession = ResponseOf<'/v1/portal-sessions', 'post'>;
export type OperationalEvents = ResponseOf<'/v1/operational-events', 'get'>;
