import type { NewEvent, RenderSnapshot, StoredEvent } from '../../../events/event.js';
import type { Queryable } from '../queryable.js';

/**
 * Gives `events` the tenant's next sequence numbers and inserts them with one
 * outbox row each, in ONE statement: the tenant row lock taken by the UPDATE is
 * held until the surrounding transaction ends, so the fewer round trips after
 * it, the shorter other writers of this tenant wait (see commit-change.ts).
 * The events travel as parallel arrays through unnest, so one prepared
 * statement serves any batch size.
 */
const APPEND_EVENTS = `
WITH bumped AS (
  UPDATE tenants SET last_sequence = last_sequence + cardinality($2::text[])
  WHERE id = $1
  RETURNING last_sequence - cardinality($2::text[]) AS before
),
appended AS (
  INSERT INTO events (tenant_id, sequence, id, subject_id, parent_id, workflow, type, from_status, to_status,
                      occurred_at, subject_version, data, render_context, trace_context)
  SELECT $1, bumped.before + e.ord, e.id, e.subject_id, e.parent_id, e.workflow, e.type, e.from_status, e.to_status,
         e.occurred_at, e.subject_version, e.data, e.render_context, e.trace_context
  FROM bumped,
       unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
              $9::timestamptz[], $10::integer[], $11::json[], $12::json[], $13::text[])
         WITH ORDINALITY AS e(id, subject_id, parent_id, workflow, type, from_status, to_status,
                              occurred_at, subject_version, data, render_context, trace_context, ord)
  RETURNING sequence, occurred_at
),
queued AS (
  -- ordered so that outbox ids follow sequence order
  INSERT INTO outbox (tenant_id, event_sequence, created_at)
  SELECT $1, sequence, occurred_at FROM appended ORDER BY sequence
  RETURNING 1
)
SELECT before, (SELECT count(*) FROM queued) AS queued FROM bumped`;

/** Returns the stored events; throws when the tenant does not exist. */
export async function appendEvents(
  db: Queryable,
  tenantId: string,
  events: NewEvent[],
  snapshots: RenderSnapshot[],
): Promise<StoredEvent[]> {
  if (events.length === 0) return [];
  const result = await db.query<{ before: string; queued: string }>({
    name: 'tidings_append_events_v3',
    text: APPEND_EVENTS,
    values: [
      tenantId,
      events.map((e) => e.id),
      events.map((e) => e.subjectId),
      events.map((e) => e.parentId),
      events.map((e) => e.workflow),
      events.map((e) => e.type),
      events.map((e) => e.from),
      events.map((e) => e.to),
      events.map((e) => e.occurredAt),
      events.map((e) => e.subjectVersion),
      events.map((e) => JSON.stringify(e.data)),
      events.map((_, i) => (snapshots[i] ? JSON.stringify(snapshots[i]) : null)),
      events.map((e) => e.traceparent ?? null),
    ],
  });
  const row = result.rows[0];
  if (!row) throw new Error(`tenant ${tenantId} does not exist`);
  if (Number(row.queued) !== events.length) throw new Error(`appended ${row.queued} of ${events.length} events`);
  const before = Number(row.before);
  return events.map((e, i) => ({ ...e, tenantId, sequence: before + i + 1, snapshot: snapshots[i] ?? null }));
}
