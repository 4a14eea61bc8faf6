import { set } from '../formats/set.js';
import type { Metrics } from '../observability/metrics.js';
import type { TraceSpan, Tracing } from '../observability/tracing.js';
import { type Decision, decideOutcome, isSuccess, type SendResult } from './attempt-outcome.js';
import { probeAfter } from './circuit-breaker.js';
import type { AttemptRecord, DeliveryRecord } from './delivery.js';
import type { EndpointRecord } from './endpoint.js';
import type { OperationalEvents } from './operational-events.js';
import { type PrepareDeps, PrepareError, preparePush, type RenderContexts } from './prepare-push.js';
import { scheduleOf } from './retry-policy.js';
import type { Sender } from './senders/sender.js';
import { setRefusal } from './set-refusal.js';
import {
  type DeliveryStore,
  type DeliveryUpdate,
  failingTooLong,
  type HealthReport,
} from './storage/delivery-store.js';
import { TransformError } from './transform/transform-runner.js';

export interface DeliverDeps extends PrepareDeps {
  deliveries: DeliveryStore;
  /** Sends the prepared push: HTTP, or a broker per the endpoint's `type`. */
  sender: Sender;
  retrySchedule: readonly number[];
  clock: () => Date;
  random: () => number;
  metrics: Metrics;
  /** An endpoint whose every attempt failed for this long is disabled (Svix: 5 days). */
  disableAfterFailingMs: number;
  /** Tracing on: each attempt is a span, child of the commit's, and the push carries its `traceparent`. */
  tracing?: Tracing | null;
  /**
   * Builds the `operational` workflow's events (failing, disabled, recovered,
   * dead letters), written as intents in the transaction of their cause.
   */
  operational?: OperationalEvents;
}

/**
 * A try's outcome as `record` needs it: the send result, whether a push that
 * could not be built never can be (`permanent`), and why the endpoint refused
 * it when its answer says so (`refusal`).
 */
type Tried = SendResult & { permanent?: boolean; refusal?: string | null; span?: TraceSpan };

/** Step 1 and 2: prepare the push and send it; a push that cannot be prepared is a failed try. */
async function prepareAndSend(
  deps: DeliverDeps,
  delivery: DeliveryRecord,
  endpoint: EndpointRecord,
  contexts?: RenderContexts,
): Promise<Tried> {
  let push: Awaited<ReturnType<typeof preparePush>>;
  try {
    push = await preparePush(deps, delivery, endpoint, deps.clock().getTime(), contexts);
  } catch (error) {
    const permanent = error instanceof PrepareError && error.permanent;
    const errorClass =
      error instanceof TransformError ? 'transform' : error instanceof PrepareError ? error.errorClass : 'prepare';
    const message = error instanceof Error ? error.message : String(error);
    return { kind: 'error', errorClass, message, latencyMs: 0, permanent };
  }
  // The attempt's span continues the event's trace; its traceparent travels with the push
  // (an HTTP header; brokers carry the headers as message headers or properties).
  const span = deps.tracing?.startSpan('tidings.delivery.attempt', push.eventTraceparent, 'client', {
    'tidings.endpoint.id': endpoint.id,
    'tidings.endpoint.type': endpoint.type,
    'tidings.delivery.id': delivery.id,
    'tidings.event.id': delivery.eventId,
    'tidings.attempt': delivery.attempts + 1,
  });
  if (span) push.headers.traceparent = span.traceparent;
  const sent = await deps.sender.send(push, endpoint);
  const result: Tried = span ? { ...sent, span } : sent;
  // A SET recipient refuses with 400 and an RFC 8935 error body (`format: set`, or `vendor` of a FIT workflow).
  if (result.kind === 'response' && result.status === 400 && push.headers['content-type'] === set.contentType) {
    return { ...result, refusal: setRefusal(result.excerpt) };
  }
  return result;
}

function describe(result: SendResult, refusal: string | null): string {
  if (result.kind === 'error') return `${result.errorClass}: ${result.message}`;
  if (result.kind === 'published') return `published as ${result.receipt}`;
  return refusal === null ? `HTTP ${result.status}` : `HTTP ${result.status} (${refusal})`;
}

function updateFor(decision: Decision, result: SendResult, refusal: string | null, nowMs: number): DeliveryUpdate {
  switch (decision.kind) {
    case 'succeeded':
      return { status: 'succeeded', lastError: null };
    case 'retry':
      return { status: 'pending', lastError: describe(result, refusal), nextAttemptAt: nowMs + decision.delayMs };
    case 'dead':
    case 'gone':
      return { status: 'failed', lastError: `${describe(result, refusal)}; ${decision.reason}` };
  }
}

/**
 * Whether an attempt changes the endpoint's health: any attempt while it is
 * failing (a success closes its breaker, a failure pauses it: one write per
 * probe), and a failure that starts a failing streak. A success of a healthy
 * endpoint, the common case, writes nothing. `endpoint` is at most one lease
 * old (the dispatcher re-reads it when `failing_since` moves), so a stale
 * view costs one write, or one probe without a pause.
 */
function healthChanges(endpoint: EndpointRecord, ok: boolean): boolean {
  return endpoint.failingSince !== null || !ok;
}

/** Step 3: store the attempt, move the delivery on, and disable the endpoint on 410. */
async function record(
  deps: DeliverDeps,
  delivery: DeliveryRecord,
  endpoint: EndpointRecord,
  startedAt: number,
  result: Tried,
): Promise<Decision> {
  const nowMs = deps.clock().getTime();
  const attemptNo = delivery.attempts + 1;
  const decision: Decision = result.permanent
    ? { kind: 'dead', reason: 'cannot be delivered' }
    : decideOutcome({
        result,
        attempt: attemptNo,
        schedule: scheduleOf(endpoint, deps.retrySchedule),
        random: deps.random,
        nowMs,
      });
  const refusal = result.refusal ?? null;
  const attempt: AttemptRecord = {
    tenantId: delivery.tenantId,
    endpointId: delivery.endpointId,
    deliveryId: delivery.id,
    eventId: delivery.eventId,
    attempt: attemptNo,
    startedAt,
    outcome: decision.kind === 'succeeded' ? 'succeeded' : 'failed',
    httpStatus: result.kind === 'response' ? result.status : null,
    latencyMs: result.latencyMs,
    responseExcerpt: result.kind === 'response' ? result.excerpt : result.kind === 'published' ? result.receipt : null,
    errorClass: result.kind === 'error' ? result.errorClass : decision.kind === 'succeeded' ? null : 'http',
    errorMessage: result.kind === 'error' ? result.message.slice(0, 500) : refusal,
  };
  const update = updateFor(decision, result, refusal, nowMs);
  const operational = deps.operational;
  // Each operational event is written with its cause, in the same transaction (`operational-intent.ts`).
  const deadLetter =
    update.status === 'failed'
      ? (operational?.deadLettered(endpoint, delivery, attemptNo, update.lastError) ?? null)
      : null;
  const recorded = await deps.deliveries.recordAttempt(attempt, delivery.leaseToken ?? '', update, nowMs, deadLetter);
  if (recorded && deadLetter) operational?.wake();
  if (decision.kind === 'gone') {
    const disabled = operational?.disabled(endpoint, decision.reason) ?? null;
    await deps.deliveries.disableEndpoint(delivery.tenantId, delivery.endpointId, decision.reason, nowMs, disabled);
    if (disabled) operational?.wake();
  } else if (
    !(
      result.kind === 'error' &&
      (result.errorClass === 'prepare' || result.errorClass === 'transform' || result.errorClass === 'render')
    )
  ) {
    // A push we could not even build says nothing about the endpoint's health.
    const ok = decision.kind === 'succeeded';
    if (healthChanges(endpoint, ok)) {
      const intents = operational ? healthIntents(operational, endpoint, ok, deps.disableAfterFailingMs, nowMs) : null;
      await deps.deliveries.recordHealth(delivery.endpointId, {
        ok,
        nowMs,
        disableAfterMs: deps.disableAfterFailingMs,
        probeAfter: ok ? null : probeAfter(endpoint.failingSince, nowMs, deps.random),
        ...(intents ? { intents } : {}),
      });
      if (intents) operational?.wake();
    }
  }
  return decision;
}

/**
 * The operational events an attempt's health report can cause: recovered
 * (a success of an endpoint seen failing), failing for long, and disabled,
 * which the store writes only if this report disabled the endpoint. Null
 * when there are none.
 */
function healthIntents(
  operational: OperationalEvents,
  endpoint: EndpointRecord,
  ok: boolean,
  disableAfterMs: number,
  nowMs: number,
): NonNullable<HealthReport['intents']> | null {
  if (ok) {
    const recovered = endpoint.failingSince !== null ? operational.recovered(endpoint, 'succeeded') : null;
    return recovered ? { always: [recovered], ifDisabled: null } : null;
  }
  const failing = operational.failed(endpoint, nowMs);
  const disabled = operational.disabled(endpoint, failingTooLong(disableAfterMs));
  if (!failing && !disabled) return null;
  return { always: failing ? [failing] : [], ifDisabled: disabled };
}

const OUTCOME_LABEL: Record<Decision['kind'], string> = {
  succeeded: 'succeeded',
  retry: 'retried',
  dead: 'dead_lettered',
  gone: 'endpoint_gone',
};

export interface DeliverOptions {
  /** Render contexts preloaded for the lease (`prepare-push.ts`). */
  contexts?: RenderContexts;
  /**
   * Called between send and record when the endpoint answered 2xx: from then
   * on no request of this delivery is open at the endpoint (see
   * `LeaseRequest.answered`).
   */
  onAnswered?: () => void;
}

/** One try of one leased delivery: prepare → send → record. Never throws for a failed push. */
export async function deliverOne(
  deps: DeliverDeps,
  delivery: DeliveryRecord,
  endpoint: EndpointRecord,
  options: DeliverOptions = {},
) {
  const startedAt = deps.clock().getTime();
  const result = await prepareAndSend(deps, delivery, endpoint, options.contexts);
  if (isSuccess(result)) options.onAnswered?.();
  const decision = await record(deps, delivery, endpoint, startedAt, result);
  if (result.span) endSpan(result.span, result, decision);
  deps.metrics.deliveryAttempts.inc({ outcome: OUTCOME_LABEL[decision.kind] });
  deps.metrics.deliveryAttemptDuration.observe(
    { outcome: decision.kind === 'succeeded' ? 'succeeded' : 'failed' },
    result.latencyMs / 1000,
  );
  return decision;
}

function endSpan(span: TraceSpan, result: Tried, decision: Decision): void {
  if (result.kind === 'response') span.setAttributes({ 'http.response.status_code': result.status });
  span.setAttributes({ 'tidings.outcome': OUTCOME_LABEL[decision.kind] });
  span.end(decision.kind === 'succeeded' ? undefined : describe(result, result.refusal ?? null));
}
