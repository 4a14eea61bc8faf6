/**
 * Column lists of the row shapes in `../../rows.ts`. Named statements spell
 * them out instead of `SELECT *`: a later migration that adds a column would
 * otherwise break the statements already prepared on other processes'
 * connections ("cached plan must not change result type").
 */
export const TENANT_COLUMNS = 'id, name, created_at, settings';
export const API_KEY_COLUMNS = 'id, tenant_id, name, secret_hash, scopes, created_at, revoked_at';
export const SUBJECT_COLUMNS =
  'tenant_id, id, workflow, status, version, parent_id, attributes, created_at, updated_at, status_changed_at, erased_at';
export const EVENT_COLUMNS =
  'tenant_id, sequence, id, subject_id, parent_id, workflow, type, from_status, to_status, occurred_at, subject_version, data';
/** With the render snapshot (and trace context): for the reads that render (feeds, logs, streams, pushes), not the fan-out. */
export const RENDER_EVENT_COLUMNS = `${EVENT_COLUMNS}, render_context, trace_context`;
export const TIMER_COLUMNS = 'tenant_id, subject_id, subject_version, name, fire, to_status, data, due_at';
export const IDEMPOTENCY_COLUMNS = 'tenant_id, key, request_hash, status, body, created_at';
