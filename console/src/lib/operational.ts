/**
 * Pure logic of the console's operational-event views (the endpoint's health
 * history and the operator's list across tenants): which subject, which
 * endpoint, which tone, which details. Any type of the `operational` workflow
 * is shown; the known ones only get a colour.
 */

export type Tone = 'ok' | 'bad' | 'warn' | 'muted';

/** The operational subject of an endpoint (`docs/operational-events.md`). */
export const operationalSubjectId = (endpointId: string) => `endpoint.${endpointId}`;

/** The endpoint an operational event is about: its subject `endpoint.<id>`, or `data.endpointId`; null for others. */
export function endpointIdOf(event: { subjectId: string; data: unknown }): string | null {
  if (event.subjectId.startsWith('endpoint.') && event.subjectId.length > 'endpoint.'.length) {
    return event.subjectId.slice('endpoint.'.length);
  }
  const data = event.data;
  if (data !== null && typeof data === 'object' && 'endpointId' in data) {
    const id = (data as { endpointId: unknown }).endpointId;
    if (typeof id === 'string' && id !== '') return id;
  }
  return null;
}

/** An endpoint's reported health state as a badge tone; a state this console does not know is muted. */
export function healthTone(state: string | null | undefined): Tone {
  if (state === 'healthy') return 'ok';
  if (state === 'failing') return 'warn';
  if (state === 'disabled') return 'bad';
  return 'muted';
}

const TYPE_TONES: Record<string, Tone> = {
  'endpoint.recovered': 'ok',
  'endpoint.failing': 'warn',
  'endpoint.disabled': 'bad',
  'delivery.dead-lettered': 'bad',
};

/** An operational event type as a badge tone; types added later are muted until given one here. */
export const typeTone = (type: string): Tone => TYPE_TONES[type] ?? 'muted';

/** Longest value text shown in a details cell; the whole event is one click away on the subject page. */
export const DETAIL_MAX = 240;

/**
 * An event's `data` as `key: value` pairs for a table cell, in the data's
 * order, without the keys the view already shows (`omit`). Strings as they
 * are, other values as JSON, each cut to `DETAIL_MAX` characters.
 */
export function detailsOf(data: unknown, omit: readonly string[] = []): Array<{ key: string; value: string }> {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return [];
  return Object.entries(data as Record<string, unknown>)
    .filter(([key]) => !omit.includes(key))
    .map(([key, value]) => {
      const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
      return { key, value: text.length > DETAIL_MAX ? `${text.slice(0, DETAIL_MAX - 1)}…` : text };
    });
}

/**
 * Which slice of a subject's history (oldest first, `offset`/`limit`) holds
 * page `back` counted from the newest (0: the newest `page` events), for a
 * history of `total` events; null `total` (not known yet): the first page.
 */
export function historyWindow(total: number | null, page: number, back: number): { offset: number; limit: number } {
  if (total === null) return { offset: 0, limit: page };
  const end = Math.max(0, total - back * page);
  const offset = Math.max(0, end - page);
  return { offset, limit: Math.max(1, end - offset) };
}

/** Whether there are events older than page `back` of a history of `total`. */
export const hasOlder = (total: number, page: number, back: number) => total - (back + 1) * page > 0;

/** Events newest first (the history route gives them oldest first); the input is left as it is. */
export const newestFirst = <T>(events: readonly T[]): T[] => [...events].reverse();
