import type { CloudEvent } from '../formats/native.js';
import { type BackoffOptions, backoffDelay, sleep } from './backoff.js';
import { type CursorStore, memoryCursorStore } from './cursor-store.js';
import { type ConnectionOptions, callJson } from './http.js';

export interface FeedOptions<F extends 'native' | 'vendor' = 'native'> extends ConnectionOptions {
  /** Where the place is kept (default: in memory, from the beginning). */
  cursorStore?: CursorStore;
  /** `native` (default, CloudEvents) or `vendor` (each workflow's seed format). */
  format?: F;
  /** Events per request, 1..100 (default 100). */
  count?: number;
  /** Only this workflow's / this event type's events. */
  workflow?: string;
  type?: string;
  /** Wait between polls once the feed is drained, ms (default 1000). */
  pollIntervalMs?: number;
  backoff?: BackoffOptions;
  /** Aborting ends the loop after the event in hand (no error). */
  signal?: AbortSignal;
  /** Called before each retry wait, to log it. */
  onRetry?: (error: Error, waitMs: number) => void;
}

interface Page {
  lastEventId: string | null;
  events: unknown[];
}

/**
 * Consumes the tenant-wide cursor feed (`GET /v1/events`) for as long as you
 * iterate: oldest first, the cursor saved after each event your loop body
 * handled (so a crash or a restart resumes at the event in hand: at least
 * once), backoff with jitter on 5xx and network errors, `Retry-After` honoured
 * on 429/503, a 4xx other than 429 thrown (a bad key, a cursor past retention).
 * Stop it with `signal` or by leaving the loop.
 *
 * With `format: 'vendor'` the items are each workflow's seed format, which
 * carry no common id: the cursor is then saved once per page.
 *
 * @example
 * ```ts
 * import { feed } from '@tidings/sdk';
 * import { fileCursorStore } from '@tidings/sdk/node';
 *
 * const stop = new AbortController();
 * process.once('SIGINT', () => stop.abort());
 * for await (const event of feed({ url, apiKey, cursorStore: fileCursorStore('.cursor'), signal: stop.signal })) {
 *   console.log(event.subject, event.eventtype, event.status);
 * }
 * ```
 */
export async function* feed<F extends 'native' | 'vendor' = 'native'>(
  options: FeedOptions<F>,
): AsyncGenerator<F extends 'native' ? CloudEvent : unknown, void, undefined> {
  type Item = F extends 'native' ? CloudEvent : unknown;
  const store = options.cursorStore ?? memoryCursorStore();
  const format = options.format ?? 'native';
  const { signal } = options;
  let cursor = await store.load();
  let failures = 0;
  while (!signal?.aborted) {
    const query = new URLSearchParams({ count: String(options.count ?? 100), format });
    if (cursor !== null) query.set('afterEventId', cursor);
    if (options.workflow !== undefined) query.set('workflow', options.workflow);
    if (options.type !== undefined) query.set('type', options.type);
    const outcome = await callJson<Page>(options, `/v1/events?${query}`, { signal });
    if (signal?.aborted) return;
    if (!outcome.ok) {
      if (!outcome.retry) throw outcome.error;
      const wait = Math.max(outcome.retryAfterMs ?? 0, backoffDelay(failures++, options.backoff));
      options.onRetry?.(outcome.error, wait);
      await sleep(wait, signal);
      continue;
    }
    failures = 0;
    const { events, lastEventId } = outcome.body;
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      yield event as Item;
      // Native events carry their id; vendor items do not, so their page's cursor is saved after its last item.
      const handled = format === 'native' ? (event as CloudEvent).id : i === events.length - 1 ? lastEventId : null;
      if (handled !== null && handled !== cursor) {
        cursor = handled;
        await store.save(cursor);
      }
      if (signal?.aborted) return;
    }
    if (events.length < (options.count ?? 100)) await sleep(options.pollIntervalMs ?? 1000, signal);
  }
}
