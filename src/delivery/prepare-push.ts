import { skipCodeOf } from '../feeds/skipped-event.js';
import type { RenderContext, SetAlgorithm } from '../formats/index.js';
import { resolveFormat } from '../formats/index.js';
import { loadRenderContext } from '../formats/load-render-context.js';
import type { SetToken } from '../formats/set.js';
import { ssfProfile } from '../signals/ssf-set.js';
import type { Store } from '../storage/store.js';
import type { WorkflowRegistry } from '../workflows/workflow-registry.js';
import type { DeliveryRecord } from './delivery.js';
import { type EndpointRecord, signingSecrets } from './endpoint.js';
import { TransformError, type Transformed, type TransformRunner } from './transform/transform-runner.js';
import { webhookSignature } from './webhook-signature.js';

/** Signs SETs for `format: set` endpoints (`src/keys/set-signer.ts` fits this shape). */
export interface SetSigner {
  /** The key that signs SETs of `workflow` now; a destination's own key for an event it issued. */
  keyFor(
    workflow: string,
    issuer?: { tenantId: string; destinationId?: string | undefined },
  ): Promise<{ kid: string; alg: SetAlgorithm }>;
  sign(token: SetToken): Promise<string>;
  signClaims(header: SetToken['header'], claims: object): Promise<string>;
}

export interface PreparedPush {
  url: URL;
  body: string;
  headers: Record<string, string>;
  /** The traceparent stored with the event (tracing on at its commit): the parent of this attempt's span. */
  eventTraceparent?: string;
}

/** A push that cannot be built (event gone, no SET signer); the delivery is retried like a failed send. */
export class PrepareError extends Error {
  constructor(
    message: string,
    /** Nothing will change by waiting (the event was deleted): dead-letter at once. */
    readonly permanent = false,
    /** The attempt's error class: `render` when the event itself cannot be rendered. */
    readonly errorClass: 'prepare' | 'render' = 'prepare',
  ) {
    super(message);
    this.name = 'PrepareError';
  }
}

const TOO_DEEP = "the event's data nests too deep to be written as JSON";

/**
 * Renders one push body; a failure of the event's own rendering is
 * a permanent `render` error, never a crash: an event stored before the depth
 * limit existed nests too deep for JSON.stringify (a RangeError).
 */
async function renderOrRefuse<T>(render: () => T | Promise<T>): Promise<T> {
  try {
    return await render();
  } catch (error) {
    if (error instanceof PrepareError) throw error;
    const code = skipCodeOf(error);
    throw new PrepareError(
      code === 'too_deep'
        ? TOO_DEEP
        : `the event cannot be rendered: ${error instanceof Error ? error.message : String(error)}`,
      true,
      'render',
    );
  }
}

export interface PrepareDeps {
  store: Store;
  registry: WorkflowRegistry;
  issuer: string;
  setSigner: SetSigner | undefined;
  /** Runs endpoints' transformations (`transform/`); a push of an endpoint with one fails without it. */
  transforms?: TransformRunner;
}

async function renderBody(deps: PrepareDeps, ctx: RenderContext, endpoint: EndpointRecord) {
  const workflowDefault = deps.registry.get(ctx.event.workflow)?.definition.format ?? 'native';
  const format = resolveFormat(endpoint.format, workflowDefault);
  if (format.name !== 'set') {
    const body = await renderOrRefuse(() => JSON.stringify(format.render(ctx)));
    return { body, contentType: format.contentType, formatName: format.name };
  }
  const signer = deps.setSigner;
  if (!signer) throw new PrepareError('no SET signer is configured for the set format');
  const signingKey = await signer.keyFor(ctx.event.workflow, {
    tenantId: ctx.event.tenantId,
    destinationId: ctx.eventIssuer,
  });
  // An OpenID Shared Signals push stream's endpoint: the SET in the SSF profile (aud, sub_id).
  const { header, claims } = await renderOrRefuse(() => {
    const token = format.render({ ...ctx, signingKey }) as SetToken;
    return {
      header: token.header,
      claims: endpoint.ssfAudience === undefined ? token.claims : ssfProfile(token.claims, endpoint.ssfAudience),
    };
  });
  let body: string;
  try {
    body = await signer.signClaims(header, claims);
  } catch (error) {
    // jose writes the claims with JSON.stringify: a stack overflow is the
    // event's own (permanent); a key that cannot be loaded now is retried.
    if (skipCodeOf(error) === 'too_deep') throw new PrepareError(TOO_DEEP, true, 'render');
    throw error;
  }
  return { body, contentType: format.contentType, formatName: format.name };
}

function authHeaders(endpoint: EndpointRecord): Record<string, string> {
  return endpoint.auth.type === 'header' ? { [endpoint.auth.name.toLowerCase()]: endpoint.auth.value } : {};
}

/**
 * Step 1 of a push: render the event in the endpoint's format and build the
 * headers. `webhook-id` is `msg_<event id>`, the same on every retry and
 * replay so receivers can deduplicate; the signature covers id, timestamp
 * and body with every secret currently valid (rotation grace period).
 */
export async function preparePush(
  deps: PrepareDeps,
  delivery: DeliveryRecord,
  endpoint: EndpointRecord,
  nowMs: number,
  contexts?: RenderContexts,
): Promise<PreparedPush> {
  const key = contextKey(delivery.tenantId, delivery.eventId);
  let loading = contexts?.get(key);
  if (!loading) {
    loading = loadContext(deps, delivery);
    contexts?.set(key, loading);
  }
  const ctx = await loading;
  if (!ctx) throw new PrepareError('the event no longer exists (retention)', true);
  const event = ctx.event;
  const rendered = await renderBody(deps, ctx, endpoint);
  const { contentType, formatName } = rendered;
  // The rendering stays as it is; the transform is a pure function of it, run on every try.
  const transformed = endpoint.transform ? await transform(deps, endpoint, rendered.body) : null;
  const body = transformed?.body ?? rendered.body;
  const id = `msg_${event.id}`;
  const timestamp = Math.floor(nowMs / 1000);
  return {
    url: new URL(endpoint.url),
    body,
    headers: {
      ...lowerCased(endpoint.headers),
      ...transformed?.headers,
      ...authHeaders(endpoint),
      'content-type': contentType,
      // Seed 004's request carries `Accept: application/json`; a Thales receiver may check it.
      ...(formatName === 'thales' ? { accept: 'application/json' } : {}),
      'user-agent': 'Tidings-Webhooks/1',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': webhookSignature(signingSecrets(endpoint, nowMs), id, timestamp, body),
      'x-correlation-id': event.id,
    },
    ...(event.traceparent ? { eventTraceparent: event.traceparent } : {}),
  };
}

/** Throws `TransformError` (attempt class `transform`) when the endpoint's transformation fails. */
async function transform(deps: PrepareDeps, endpoint: EndpointRecord, body: string): Promise<Transformed> {
  if (!endpoint.transform) return { body: null, headers: {} };
  if (!deps.transforms) throw new TransformError('no transform runner is configured');
  return deps.transforms.run(endpoint.transform, body);
}

/**
 * Render contexts shared by the deliveries leased together: an event fanned
 * out to many endpoints is read once per lease, not once per endpoint (bench
 * `push`, 100 receivers: 4 reads per delivery before).
 */
export type RenderContexts = Map<string, Promise<RenderContext | null>>;

/** The key of an event's entry in `RenderContexts`. */
export const contextKey = (tenantId: string, eventId: string) => `${tenantId}\u0000${eventId}`;

async function loadContext(deps: PrepareDeps, delivery: DeliveryRecord): Promise<RenderContext | null> {
  const event = await deps.store.getEvent(delivery.tenantId, delivery.eventId);
  return event ? loadRenderContext(deps.store, event, deps.issuer) : null;
}

function lowerCased(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
