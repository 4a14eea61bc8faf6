import { nextAttemptDelay, parseRetryAfter } from '../delivery/retry-policy.js';
import { webhookSignature } from '../delivery/webhook-signature.js';
import type { CliIo } from './cli-options.js';
import { sleep } from './sleep.js';

const TIMEOUT_MS = 30_000;

/** What one forwarded event is, for the push and for its line of output. */
export interface ForwardItem {
  eventId: string;
  workflow: string;
  subject: string;
  type: string;
  body: string;
  contentType: string;
}

interface Forwarded {
  status: number | null;
  latencyMs: number;
  retryAfterMs: number | null;
  error?: string;
}

async function send(target: URL, headers: Record<string, string>, body: string): Promise<Forwarded> {
  const started = performance.now();
  try {
    const res = await fetch(target, { method: 'POST', headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
    await res.arrayBuffer().catch(() => undefined);
    return {
      status: res.status,
      latencyMs: performance.now() - started,
      retryAfterMs: parseRetryAfter(res.headers.get('retry-after') ?? undefined, Date.now()),
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    return { status: null, latencyMs: performance.now() - started, retryAfterMs: null, error: cause };
  }
}

/**
 * POSTs one event as the dispatcher would (Standard Webhooks headers,
 * `webhook-id` `msg_<event id>` kept across tries, signed with `secret`) and
 * retries 5xx, 429 and connection errors on `schedule` with the dispatcher's
 * own delay rule (jitter, `Retry-After`, 429 waits twice as long). Prints one
 * line per try.
 */
export async function forwardWithRetries(
  target: URL,
  secret: string,
  schedule: readonly number[],
  item: ForwardItem,
  io: CliIo,
  json: boolean,
): Promise<void> {
  const id = `msg_${item.eventId}`;
  for (let attempt = 1; ; attempt++) {
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'content-type': item.contentType,
      'user-agent': 'Tidings-Webhooks/1 (tidings listen)',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': webhookSignature([secret], id, timestamp, item.body),
      'x-correlation-id': item.eventId,
    };
    const result = await send(target, headers, item.body);
    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    const retryable = !ok && (result.status === null || result.status >= 500 || result.status === 429);
    const delay = retryable
      ? nextAttemptDelay(attempt, schedule, Math.random, {
          retryAfterMs: result.retryAfterMs,
          overloaded: result.status === 429,
        })
      : null;
    report(io, json, item, attempt, result, ok, delay);
    if (ok || delay === null || io.signal.aborted) return;
    await sleep(delay, io.signal);
    if (io.signal.aborted) return;
  }
}

function report(
  io: CliIo,
  json: boolean,
  item: ForwardItem,
  attempt: number,
  result: Forwarded,
  ok: boolean,
  retryInMs: number | null,
) {
  const latencyMs = Math.round(result.latencyMs);
  if (json) {
    io.out(
      JSON.stringify({
        eventId: item.eventId,
        subject: item.subject,
        type: item.type,
        attempt,
        status: result.status,
        latencyMs,
        ok,
        ...(result.error ? { error: result.error } : {}),
        retryInMs,
      }),
    );
    return;
  }
  const answer = result.status === null ? `ERR ${result.error}` : String(result.status);
  const then = ok
    ? ''
    : retryInMs === null
      ? '  (gave up)'
      : `  (retry ${attempt + 1} in ${(retryInMs / 1000).toFixed(1)} s)`;
  const time = new Date().toISOString().slice(11, 19);
  io.out(
    `${time}  ${answer.padEnd(4)} ${String(latencyMs).padStart(5)} ms  ${item.workflow} ${item.subject} ${item.type}${then}`,
  );
}
