import { JsonText } from './json-text.js';

/**
 * Why a read left an event out: `too_deep` when its data nests deeper than
 * JSON can be written (an event stored before the request depth limit
 * existed, ~4,000 levels overflow V8's stack), `render_failed` when its
 * rendering or signing threw for any other reason.
 */
export const SKIP_CODES = ['too_deep', 'render_failed'] as const;
export type SkipCode = (typeof SKIP_CODES)[number];

/** An event a page, log or poll left out, reported in its `skipped` list so the reader knows and moves on. */
export interface SkippedEvent {
  eventId: string;
  code: SkipCode;
}

/**
 * An event that cannot be made into this rendering, whenever it is read: its
 * rendering threw, or writing it overflowed the stack. Only this is skipped;
 * any other failure on the way (a key that cannot be read, a database error)
 * fails the read, since skipping would move a reader's cursor past an event
 * that is fine.
 */
export class UnrenderableEvent extends Error {
  constructor(
    readonly code: SkipCode,
    options: { cause: unknown },
  ) {
    super(`the event cannot be rendered (${code})`, options);
  }
}

/** The skip code of a rendering's failure: a stack overflow means the data nests too deep. */
export function skipCodeOf(error: unknown): SkipCode {
  return error instanceof RangeError && /call stack/i.test(error.message) ? 'too_deep' : 'render_failed';
}

/**
 * Runs `render` on each event on its own: one that throws is left out and
 * reported, the others are kept in order.
 */
export function renderEach<E extends { id: string }, T>(
  events: readonly E[],
  render: (event: E) => T,
): { rendered: Array<{ event: E; value: T }>; skipped: SkippedEvent[] } {
  const rendered: Array<{ event: E; value: T }> = [];
  const skipped: SkippedEvent[] = [];
  for (const event of events) {
    try {
      rendered.push({ event, value: render(event) });
    } catch (error) {
      skipped.push({ eventId: event.id, code: skipCodeOf(error) });
    }
  }
  return { rendered, skipped };
}

/**
 * The JSON text of a page whose `events` were rendered from `eventIds` (same
 * order). One `JSON.stringify` of the whole page on the common path; items
 * that are already text (`JsonText`) go in as they are. Only when writing an
 * item throws (it nests too deep to write) is each item written on its own,
 * and those that fail are left out and added to `skipped`. `skipped` is in the
 * body only when something was left out.
 */
export function pageJson(
  page: { events: readonly unknown[]; skipped: readonly SkippedEvent[]; [member: string]: unknown },
  eventIds: readonly string[],
): string {
  const { skipped, ...rest } = page;
  if (!page.events.some((item) => item instanceof JsonText)) {
    try {
      return JSON.stringify(skipped.length > 0 ? { ...rest, skipped } : rest);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
    }
  }
  const kept: string[] = [];
  const more: SkippedEvent[] = [...skipped];
  page.events.forEach((item, i) => {
    if (item instanceof JsonText) {
      kept.push(item.json);
      return;
    }
    try {
      kept.push(JSON.stringify(item) ?? 'null');
    } catch (error) {
      more.push({ eventId: eventIds[i] ?? '', code: skipCodeOf(error) });
    }
  });
  const head = JSON.stringify({ ...rest, events: [], ...(more.length > 0 ? { skipped: more } : {}) });
  // `{...,"events":[],"skipped":[...]}`: the kept items' text goes between the brackets.
  const at = head.indexOf('"events":[]') + '"events":['.length;
  return `${head.slice(0, at)}${kept.join(',')}${head.slice(at)}`;
}
