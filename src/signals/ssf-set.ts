import { eventUriOf } from '../formats/set.js';
import type { WorkflowRegistry } from '../workflows/workflow-registry.js';

/**
 * OpenID Shared Signals Framework 1.0, the pure parts: event URIs, the SET
 * profile SSF asks for, and how a stream's requested events map onto the
 * endpoint and poll-stream filters Tidings already has.
 */
export const SSF_VERIFICATION_EVENT = 'https://schemas.openid.net/secevent/ssf/event-type/verification';
export const SSF_STREAM_UPDATED_EVENT = 'https://schemas.openid.net/secevent/ssf/event-type/stream-updated';
export const PUSH_DELIVERY_METHOD = 'urn:ietf:rfc:8935';
export const POLL_DELIVERY_METHOD = 'urn:ietf:rfc:8936';

/** A subject identifier (RFC 9493) of format `opaque`. */
export interface OpaqueSubjectId {
  format: 'opaque';
  id: string;
}

/**
 * SSF 1.0 §3: an SSF SET names its subject in a top-level `sub_id`, and is
 * addressed to the stream's audience. Tidings' SETs already carry `sub`
 * (`<workflow>:<id>`, or FIT-Connect's `submission:<id>`); `sub_id` says the
 * same as an opaque identifier, and everything else stays as rendered.
 */
export function ssfProfile<C extends { sub?: string }>(
  claims: C,
  aud: string,
): C & { aud: string; sub_id?: OpaqueSubjectId } {
  return {
    ...claims,
    aud,
    ...(claims.sub !== undefined ? { sub_id: { format: 'opaque' as const, id: claims.sub } } : {}),
  };
}

/** The claims of a control event of a stream (verification, stream-updated): its subject is the stream itself. */
export function controlClaims(input: {
  jti: string;
  issuer: string;
  aud: string;
  streamId: string;
  nowMs: number;
  event: string;
  payload: Record<string, unknown>;
}) {
  return {
    jti: input.jti,
    iss: input.issuer,
    aud: input.aud,
    iat: Math.floor(input.nowMs / 1000),
    sub_id: { format: 'opaque', id: input.streamId } satisfies OpaqueSubjectId,
    events: { [input.event]: input.payload },
  };
}

/** Each event URI this server can send, with the workflow event types it stands for. */
export function supportedEvents(
  registry: WorkflowRegistry,
  issuer: string,
): Map<string, Array<{ workflow: string; type: string }>> {
  const uris = new Map<string, Array<{ workflow: string; type: string }>>();
  for (const compiled of registry.list()) {
    const workflow = compiled.definition.name;
    for (const type of compiled.eventTypes) {
      const uri = eventUriOf(issuer, workflow, type);
      const kinds = uris.get(uri) ?? [];
      kinds.push({ workflow, type });
      uris.set(uri, kinds);
    }
  }
  return uris;
}

export type EventPlan =
  | { ok: true; delivered: string[]; workflows: string[]; types: string[] }
  | { ok: false; message: string };

/**
 * The events a stream delivers, and the filter that delivers exactly them.
 * `events_delivered` must be a subset of the requested and supported events
 * (SSF 1.0 §8.1.1); Tidings filters by workflows × types, so a request whose
 * supported part is not such a product (type X of workflow A and type Y of
 * workflow B, when A also has Y) cannot be met exactly and is refused.
 */
export function planEvents(
  requested: readonly string[],
  supported: Map<string, Array<{ workflow: string; type: string }>>,
): EventPlan {
  const delivered = [...new Set(requested)].filter((uri) => supported.has(uri)).sort();
  const workflows = new Set<string>();
  const types = new Set<string>();
  for (const uri of delivered) {
    for (const kind of supported.get(uri) ?? []) {
      workflows.add(kind.workflow);
      types.add(kind.type);
    }
  }
  const reached = [...supported.entries()]
    .filter(([, kinds]) => kinds.some((k) => workflows.has(k.workflow) && types.has(k.type)))
    .map(([uri]) => uri)
    .sort();
  if (reached.length !== delivered.length) {
    const extra = reached.filter((uri) => !delivered.includes(uri));
    return {
      ok: false,
      message: `events_requested cannot be delivered exactly: a workflow-and-type filter would also send ${extra.slice(0, 3).join(', ')}; request those too, or split the stream`,
    };
  }
  return { ok: true, delivered, workflows: [...workflows].sort(), types: [...types].sort() };
}
