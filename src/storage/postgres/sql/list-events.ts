import type { StoredEvent } from '../../../events/event.js';
import { type EventRow, eventFromRow } from '../../rows.js';
import type { EventFilter } from '../../store.js';
import type { Queryable } from '../queryable.js';
import { RENDER_EVENT_COLUMNS } from './columns.js';

/**
 * One page of a tenant's log in sequence order. Paging by `sequence > cursor`
 * is exact because sequence numbers become visible in order (commit-change.ts).
 */
export async function listEvents(db: Queryable, tenantId: string, filter: EventFilter): Promise<StoredEvent[]> {
  const after = filter.afterSequence ?? 0;
  const result =
    filter.subjectId === undefined
      ? await db.query<EventRow>({
          name: 'tidings_list_events',
          text: `SELECT ${RENDER_EVENT_COLUMNS} FROM events WHERE tenant_id = $1 AND sequence > $2 ORDER BY sequence LIMIT $3`,
          values: [tenantId, after, filter.limit],
        })
      : await db.query<EventRow>({
          name: 'tidings_list_subject_events',
          text: `SELECT ${RENDER_EVENT_COLUMNS} FROM events WHERE tenant_id = $1 AND sequence > $2 AND subject_id = $3
                 ORDER BY sequence LIMIT $4`,
          values: [tenantId, after, filter.subjectId, filter.limit],
        });
  return result.rows.map(eventFromRow);
}
