import type { OnespanNotification } from '@tidings/sdk/formats';
import { pickString } from './pick.js';
import type { RenderContext, WireFormat } from './render-context.js';
import { onespanTimestamp } from './time-formats.js';

export type { OnespanNotification };

/**
 * OneSpan Identity Verification transaction notification (seed 001).
 *
 * Shape follows OneSpan's published "transaction created" example
 * (`{"@timestamp":"2020-01-17 00:08:31.118 +0000","type":"notification",
 * "transaction_id",...,"trigger":"transaction_created",...}`), so the timestamp
 * key is `@timestamp` in `yyyy-MM-dd HH:mm:ss.SSS +0000` (UTC), the style of the
 * transaction-level example; the ISO `timestamp` variant belongs to the
 * consent/page events we do not emit.
 *
 * `opaque_id` is included whenever the transaction has one: the seed says it is
 * part of the notification data together with the transaction id, although
 * neither published example shows it.
 *
 * `trigger` comes from the new status: `new` → `transaction_created`, every
 * other status `s` → `transaction_<s>`, which yields the published
 * `transaction_completed`, `transaction_expired`, `transaction_cancelled`,
 * `transaction_error`, and names the unpublished ones the same way
 * (`transaction_workflow_in_progress`, `transaction_workflow_completed`,
 * `transaction_post_processing`, `transaction_autosigned`, `transaction_vaulted`).
 *
 * `created` and `status_changed` are the transaction model's own names and
 * `YYYY-MM-DDTHH:mm:ss.SSSZ` times [SEED]; `tenant_id` is the tenant of the
 * credentials; `version` counts from 0 (the record version, not ours from 1).
 *
 * `session_id`, `role` and `message` are copied from the event data when given
 * (they describe the session that caused the change, which only the caller knows).
 */

/** The trigger a transaction status announces; see the module comment for the mapping. */
export function onespanTrigger(status: string): string {
  return status === 'new' ? 'transaction_created' : `transaction_${status}`;
}

export function renderOnespan(ctx: RenderContext): OnespanNotification {
  const { event, subject } = ctx;
  const opaqueId = pickString([subject.attributes], ['opaque_id', 'opaqueId']);
  const sessionId = pickString([event.data], ['session_id', 'sessionId']);
  const role = pickString([event.data], ['role']);
  const message = pickString([event.data], ['message']);
  return {
    '@timestamp': onespanTimestamp(event.occurredAt),
    type: 'notification',
    transaction_id: subject.id,
    ...(opaqueId !== undefined ? { opaque_id: opaqueId } : {}),
    ...(sessionId !== undefined ? { session_id: sessionId } : {}),
    trigger: onespanTrigger(event.to),
    status: event.to,
    ...(event.from !== null ? { previous_status: event.from } : {}),
    ...(role !== undefined ? { role } : {}),
    ...(message !== undefined ? { message } : {}),
    // From the credentials that created the transaction (seed 001: "identifié par le JWT"), never the body.
    tenant_id: event.tenantId,
    created: subject.createdAt,
    status_changed: subject.statusChangedAt,
    // Seed 001: "Propriété en lecture seule. Valeur par défaut : 0": a new transaction is version 0.
    version: event.subjectVersion - 1,
  };
}

export const onespan: WireFormat = {
  name: 'onespan',
  contentType: 'application/json',
  render: renderOnespan,
};
