import { randomUUID } from 'node:crypto';
import { isSuccess, type SendResult } from './attempt-outcome.js';
import { type EndpointRecord, signingSecrets } from './endpoint.js';
import type { PreparedPush } from './prepare-push.js';
import type { Sender } from './senders/sender.js';
import { webhookSignature } from './webhook-signature.js';

/** The `type` of a test push's body; never the type of a workflow event (those are upper case). */
export const TEST_EVENT_TYPE = 'tidings.endpoint.test';

/** What `POST /v1/endpoints/{id}/test` answers: the try, as an attempt would record it. */
export interface TestPushResult {
  webhookId: string;
  /** The receiver answered 2xx, or the broker confirmed the publish. */
  ok: boolean;
  status: number | null;
  latencyMs: number;
  excerpt: string | null;
  receipt: string | null;
  errorClass: string | null;
  message: string | null;
}

/**
 * A test push to `endpoint`: body `{"type":"tidings.endpoint.test","endpointId","time"}`,
 * with the endpoint's headers and auth, signed (Standard Webhooks) with every
 * secret currently valid, exactly as a real push would be.
 */
export function prepareTestPush(endpoint: EndpointRecord, nowMs: number, webhookId: string): PreparedPush {
  const body = JSON.stringify({ type: TEST_EVENT_TYPE, endpointId: endpoint.id, time: new Date(nowMs).toISOString() });
  const timestamp = Math.floor(nowMs / 1000);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(endpoint.headers)) headers[name.toLowerCase()] = value;
  if (endpoint.auth.type === 'header') headers[endpoint.auth.name.toLowerCase()] = endpoint.auth.value;
  return {
    url: new URL(endpoint.url),
    body,
    headers: {
      ...headers,
      'content-type': 'application/json',
      'user-agent': 'Tidings-Webhooks/1 (test)',
      'webhook-id': webhookId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': webhookSignature(signingSecrets(endpoint, nowMs), webhookId, timestamp, body),
    },
  };
}

/** The answer of a send as the test route shows it. */
export function testPushResult(webhookId: string, result: SendResult): TestPushResult {
  const base = { webhookId, ok: isSuccess(result), latencyMs: Math.round(result.latencyMs) };
  switch (result.kind) {
    case 'response':
      return {
        ...base,
        status: result.status,
        excerpt: result.excerpt,
        receipt: null,
        errorClass: null,
        message: null,
      };
    case 'published':
      return { ...base, status: null, excerpt: null, receipt: result.receipt, errorClass: null, message: null };
    case 'error':
      return {
        ...base,
        status: null,
        excerpt: null,
        receipt: null,
        errorClass: result.errorClass,
        message: result.message,
      };
  }
}

/**
 * Sends one test push through the same sender as real pushes (so the SSRF
 * guard, TLS CA, proxy, OAuth2 and broker transports apply), outside any
 * delivery: nothing is recorded and the endpoint's health does not move.
 */
export async function sendTestPush(sender: Sender, endpoint: EndpointRecord, nowMs: number): Promise<TestPushResult> {
  const webhookId = `msg_test_${randomUUID()}`;
  const result = await sender.send(prepareTestPush(endpoint, nowMs, webhookId), endpoint);
  return testPushResult(webhookId, result);
}
