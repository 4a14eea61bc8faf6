import type { StoredEvent } from '../events/event.js';
import { FIT_EVENT_URI_BASE } from '../formats/set.js';
import { OPERATIONAL_WORKFLOW } from '../workflows/builtin/operational.js';
import type { EndpointRecord } from './endpoint.js';
import { compiledFilter } from './filter/compiled-filter.js';
import { evaluateFilter, type FilterInput } from './filter/evaluate-filter.js';

/**
 * An event as the fan-out sees it. `data` may be a function: SQLite reads an
 * event's data only when an endpoint's filter asks for it.
 */
export type FanOutEvent = Pick<
  StoredEvent,
  'id' | 'workflow' | 'type' | 'from' | 'to' | 'occurredAt' | 'sequence' | 'subjectId'
> & { data: FilterInput['data'] };

/**
 * Seed 001: a OneSpan transaction created with `disable_notifications: true`
 * must not produce notifications (the integrator polls instead).
 */
function notificationsDisabled(
  event: Pick<StoredEvent, 'workflow'>,
  attributes: Record<string, unknown> | null,
): boolean {
  return event.workflow === 'idv-transaction' && attributes?.disable_notifications === true;
}

/** FIT-Connect types may be given as short names or full event URIs; both name the same type. */
function shortType(type: string): string {
  return type.startsWith(FIT_EVENT_URI_BASE) ? type.slice(FIT_EVENT_URI_BASE.length) : type;
}

/** A filter's view of the event; `data` is read at most once, and only if a filter reads it. */
function filterInput(event: FanOutEvent, attributes: Record<string, unknown> | null): FilterInput {
  let data: Record<string, unknown> | null = typeof event.data === 'function' ? null : event.data;
  const load = event.data;
  return {
    id: event.id,
    type: event.type,
    workflow: event.workflow,
    from: event.from,
    to: event.to,
    occurredAt: event.occurredAt,
    sequence: event.sequence,
    data: () => {
      data ??= typeof load === 'function' ? load() : load;
      return data;
    },
    subject: { id: event.subjectId, attributes },
  };
}

/** A stored filter that no longer parses (the API refuses such text) lets nothing through. */
function passes(filter: string, input: FilterInput): boolean {
  let node: ReturnType<typeof compiledFilter>;
  try {
    node = compiledFilter(filter);
  } catch {
    return false;
  }
  return evaluateFilter(node, input);
}

/**
 * The endpoints (enabled ones, as the store passes them) whose filters accept
 * the event: event types, workflows, then the payload filter
 * (`filter/`, docs/filters-and-transformations.md).
 */
export function matchEndpoints(
  event: FanOutEvent,
  subjectAttributes: Record<string, unknown> | null,
  endpoints: readonly EndpointRecord[],
): EndpointRecord[] {
  if (notificationsDisabled(event, subjectAttributes)) return [];
  const type = shortType(event.type);
  // Tidings' own events go only to endpoints that name their workflow or types.
  const askedOnly = event.workflow === OPERATIONAL_WORKFLOW;
  let input: FilterInput | null = null;
  return endpoints.filter((e) => {
    if (askedOnly && e.eventTypes === null && e.workflows === null) return false;
    if (e.eventTypes !== null && !e.eventTypes.some((t) => shortType(t) === type)) return false;
    if (e.workflows !== null && !e.workflows.includes(event.workflow)) return false;
    if (e.filter === null || e.filter === undefined) return true;
    input ??= filterInput(event, subjectAttributes);
    return passes(e.filter, input);
  });
}
