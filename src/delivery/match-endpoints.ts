import type { StoredEvent } from '../events/event.js';
import { FIT_EVENT_URI_BASE } from '../formats/set.js';
import type { EndpointRecord } from './endpoint.js';

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

/** The endpoints (enabled ones, as the store passes them) whose filters accept the event. */
export function matchEndpoints(
  event: Pick<StoredEvent, 'workflow' | 'type'>,
  subjectAttributes: Record<string, unknown> | null,
  endpoints: readonly EndpointRecord[],
): EndpointRecord[] {
  if (notificationsDisabled(event, subjectAttributes)) return [];
  const type = shortType(event.type);
  return endpoints.filter(
    (e) =>
      (e.eventTypes === null || e.eventTypes.some((t) => shortType(t) === type)) &&
      (e.workflows === null || e.workflows.includes(event.workflow)),
  );
}
