import type { CloudEvent } from '@tidings/sdk/formats';
import type { RenderContext, WireFormat } from './render-context.js';

export type { CloudEvent };

/**
 * Tidings' own format: a CloudEvents 1.0 event in structured JSON mode
 * (`application/cloudevents+json`), the same for every workflow.
 *
 * Naming choices:
 * - `source` = `<issuer>/workflows/<workflow>`: one context per workflow of this
 *   server; `source` + `id` is unique because `id` is the event's UUIDv7.
 * - `type` = `tidings.<workflow>.<event type>` (e.g. `tidings.videoid-request.REQUEST_CREATED`),
 *   reverse-DNS-like with the seed's own event name kept verbatim; the bare
 *   event type is also in the `eventtype` extension.
 * - `data` = `{from, to, data, attributes}`: the event's own data is nested, not
 *   spread, so a data field named `to` can never shadow the transition.
 *
 * Extension attributes (lowercase alphanumerics only, as CloudEvents requires):
 * `sequence` (per-tenant sequence, a zero-padded decimal string because the
 * CloudEvents Sequence extension defines it as a lexicographically ordered
 * String), `eventtype`, `workflow`, `status` (to-state), `fromstatus` (absent on
 * the creating event), `subjectversion` (integer), `parentid` (when present).
 */

/** Digits of a PostgreSQL `bigint`, so every sequence number pads to the same width. */
const SEQUENCE_WIDTH = 19;

export function renderNative(ctx: RenderContext): CloudEvent {
  const { event, subject } = ctx;
  const base = ctx.issuer.replace(/\/+$/, '');
  return {
    specversion: '1.0',
    id: event.id,
    source: `${base}/workflows/${event.workflow}`,
    type: `tidings.${event.workflow}.${event.type}`,
    subject: event.subjectId,
    time: event.occurredAt,
    datacontenttype: 'application/json',
    sequence: String(event.sequence).padStart(SEQUENCE_WIDTH, '0'),
    eventtype: event.type,
    workflow: event.workflow,
    status: event.to,
    ...(event.from !== null ? { fromstatus: event.from } : {}),
    subjectversion: event.subjectVersion,
    ...(event.parentId !== null ? { parentid: event.parentId } : {}),
    data: { from: event.from, to: event.to, data: event.data, attributes: subject.attributes },
  };
}

export const native: WireFormat = {
  name: 'native',
  contentType: 'application/cloudevents+json',
  render: renderNative,
};
