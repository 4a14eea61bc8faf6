import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { Static } from '@sinclair/typebox';
import { notFound, validationError } from '../errors/tidings-error.js';
import { newEventId } from '../events/event-id.js';
import type { WorkflowRegistry } from '../workflows/workflow-registry.js';
import type { EndpointAuth, EndpointRecord, EndpointSpec } from './endpoint.js';
import { filterProblems, RESERVED_HEADERS, retryScheduleProblems, transformProblems } from './endpoint-rules.js';
import type { CreateEndpointBody, UpdateEndpointBody } from './endpoint-schemas.js';
import type { AllowedRange } from './ip-classification.js';
import type { OperationalEvents } from './operational-events.js';
import { destinationProblems, refuseBrokerUrl } from './senders/broker-url.js';
import { type ResolveAll, refuseEndpointUrl } from './ssrf-guard.js';
import type { DeliveryStore } from './storage/delivery-store.js';
import { ed25519PublicKey, newEd25519Secret, newHmacSecret } from './webhook-signature.js';

export interface EndpointServiceDeps {
  deliveries: DeliveryStore;
  registry: WorkflowRegistry;
  clock: () => Date;
  allowInsecureEndpoints: boolean;
  /** Non-public ranges the operator lets endpoints reach (`allowedEndpointRanges`). */
  allowedRanges?: ReadonlyArray<AllowedRange>;
  resolveAll: ResolveAll;
  /** Whether SETs can be signed now; `format: set` endpoints are refused without it. */
  canSignSets: () => boolean;
  /** Records `endpoint.recovered` when a disabled endpoint is enabled again. */
  operational?: OperationalEvents;
}

export const DEFAULT_ROTATION_GRACE_SECONDS = 24 * 60 * 60;

type Problem = { field: string; message: string };

function pemProblems(auth: EndpointAuth, tls: { ca: string } | null): Problem[] {
  const problems: Problem[] = [];
  const check = (field: string, parse: () => unknown, what: string) => {
    try {
      parse();
    } catch {
      problems.push({ field, message: `${field} is not a ${what}` });
    }
  };
  if (auth.type === 'mtls') {
    check('auth.cert', () => new X509Certificate(auth.cert), 'PEM certificate');
    check('auth.key', () => createPrivateKey(auth.key), 'PEM private key');
  }
  if (tls) check('tls.ca', () => new X509Certificate(tls.ca), 'PEM certificate');
  return problems;
}

/** Which auth and TLS settings each type can honour: a broker takes a user and password, HTTP the rest. */
function authProblems(spec: EndpointSpec): Problem[] {
  const problems: Problem[] = [];
  if (spec.type === 'http' && spec.auth.type === 'basic') {
    problems.push({ field: 'auth.type', message: 'auth type basic is for broker destinations' });
  }
  const auth = spec.auth;
  if (auth.type === 'oauth2') {
    if (auth.clientAuth === 'client_secret_basic' && !auth.clientSecret) {
      problems.push({ field: 'auth.clientSecret', message: 'client_secret_basic needs auth.clientSecret' });
    }
    if (auth.clientAuth === 'private_key_jwt') {
      if (!auth.privateKey)
        problems.push({ field: 'auth.privateKey', message: 'private_key_jwt needs auth.privateKey' });
      else if (!signsAssertions(auth.privateKey)) {
        problems.push({
          field: 'auth.privateKey',
          message: 'auth.privateKey is not a PEM RSA, EC or Ed25519 private key',
        });
      }
    }
    if (Object.keys(spec.headers).some((h) => h.toLowerCase() === 'authorization')) {
      problems.push({ field: 'headers', message: 'header Authorization carries the OAuth 2.0 token' });
    }
  }
  if (spec.type !== 'http' && (auth.type === 'header' || auth.type === 'mtls' || auth.type === 'oauth2')) {
    problems.push({ field: 'auth.type', message: `auth type ${spec.auth.type} is for http endpoints` });
  }
  if (spec.type !== 'http' && spec.proxy !== null) {
    problems.push({ field: 'proxy', message: 'an egress proxy is for http endpoints' });
  }
  if (spec.type !== 'http' && spec.tls !== null) {
    problems.push({ field: 'tls', message: 'a pinned CA is for http endpoints' });
  }
  return problems;
}

function signsAssertions(pem: string): boolean {
  try {
    return ['rsa', 'ec', 'ed25519'].includes(createPrivateKey(pem).asymmetricKeyType ?? '');
  } catch {
    return false;
  }
}

type AuthBody = NonNullable<Static<typeof CreateEndpointBody>['auth']>;

/** The auth as stored: OAuth 2.0's client authentication made explicit. */
function authOf(body: AuthBody): EndpointAuth {
  return body.type === 'oauth2' ? { ...body, clientAuth: body.clientAuth ?? 'client_secret_basic' } : body;
}

const isEd25519 = (auth: EndpointAuth) => auth.type === 'standard-webhooks' && auth.algorithm === 'ed25519';
const newSecretFor = (auth: EndpointAuth) => (isEd25519(auth) ? newEd25519Secret() : newHmacSecret());

/** Endpoint rules the body schema cannot express: reachable public URL, known workflows, free header names, parsable PEMs. */
export class EndpointService {
  constructor(private readonly deps: EndpointServiceDeps) {}

  private async check(spec: EndpointSpec): Promise<void> {
    const problems: Problem[] = [...destinationProblems(spec.type, spec.destination)];
    const guard = {
      allowInsecure: this.deps.allowInsecureEndpoints,
      resolveAll: this.deps.resolveAll,
      ...(this.deps.allowedRanges ? { allowedRanges: this.deps.allowedRanges } : {}),
    };
    const refused =
      spec.type === 'http'
        ? await refuseEndpointUrl(spec.url, guard)
        : await refuseBrokerUrl(spec.type, spec.url, guard);
    if (refused) problems.push({ field: 'url', message: refused });
    problems.push(...authProblems(spec));
    if (spec.auth.type === 'oauth2') {
      const tokenRefused = await refuseEndpointUrl(spec.auth.tokenUrl, guard);
      if (tokenRefused) problems.push({ field: 'auth.tokenUrl', message: tokenRefused.replace(/^url/, 'tokenUrl') });
    }
    for (const name of spec.workflows ?? []) {
      if (!this.deps.registry.get(name)) problems.push({ field: 'workflows', message: `unknown workflow ${name}` });
    }
    const headerNames = [...Object.keys(spec.headers), ...(spec.auth.type === 'header' ? [spec.auth.name] : [])];
    for (const name of headerNames) {
      if (RESERVED_HEADERS.has(name.toLowerCase())) {
        problems.push({ field: 'headers', message: `header ${name} is set by Tidings and cannot be configured` });
      }
    }
    if (spec.format === 'set' && !this.deps.canSignSets()) {
      problems.push({ field: 'format', message: 'format set needs a SET signing key and none is configured yet' });
    }
    problems.push(...pemProblems(spec.auth, spec.tls));
    problems.push(
      ...filterProblems(spec.filter),
      ...transformProblems(spec),
      ...retryScheduleProblems(spec.retrySchedule),
    );
    if (problems.length > 0) throw validationError(problems);
  }

  /** `internal` holds what only Tidings sets (the audience of an OpenID Shared Signals stream's endpoint). */
  async create(
    tenantId: string,
    body: Static<typeof CreateEndpointBody>,
    internal: Pick<EndpointSpec, 'ssfAudience'> = {},
  ) {
    const spec: EndpointSpec = {
      ...internal,
      type: body.type ?? 'http',
      url: body.url,
      destination: body.destination ?? null,
      description: body.description ?? null,
      eventTypes: body.eventTypes ?? null,
      workflows: body.workflows ?? null,
      format: body.format ?? 'native',
      auth: body.auth ? authOf(body.auth) : { type: 'standard-webhooks' },
      tls: body.tls ?? null,
      headers: body.headers ?? {},
      ordering: body.ordering ?? 'none',
      rateLimit: body.rateLimit ?? null,
      proxy: body.proxy ?? null,
      filter: body.filter ?? null,
      transform: body.transform ?? null,
      retrySchedule: body.retrySchedule ?? null,
    };
    await this.check(spec);
    const now = this.deps.clock().getTime();
    const endpoint: EndpointRecord = {
      ...spec,
      id: `ep_${newEventId().replaceAll('-', '')}`,
      tenantId,
      enabled: true,
      disabledReason: null,
      failingSince: null,
      probeAfter: null,
      secret: newSecretFor(spec.auth),
      previousSecret: null,
      previousSecretExpiresAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.deps.deliveries.createEndpoint(endpoint);
    return endpoint;
  }

  async get(tenantId: string, id: string): Promise<EndpointRecord> {
    const endpoint = await this.deps.deliveries.getEndpoint(tenantId, id);
    if (!endpoint) throw notFound(`endpoint ${id}`);
    return endpoint;
  }

  /** Applies a partial update; answers with a new `secret` when the signing algorithm changed. */
  async update(tenantId: string, id: string, patch: Static<typeof UpdateEndpointBody>) {
    const current = await this.get(tenantId, id);
    const { enabled, auth, ...changes } = patch;
    const next: EndpointRecord = {
      ...current,
      ...changes,
      ...(auth ? { auth: authOf(auth) } : {}),
      // a changed endpoint (a fixed URL, say) is probed at once, not after its breaker's pause
      probeAfter: null,
      updatedAt: nextUpdatedAt(current, this.deps.clock().getTime()),
    };
    await this.check(next);
    const algorithmChanged = isEd25519(next.auth) !== isEd25519(current.auth);
    if (algorithmChanged)
      Object.assign(next, { secret: newSecretFor(next.auth), previousSecret: null, previousSecretExpiresAt: null });
    if (enabled !== undefined) {
      next.enabled = enabled;
      next.disabledReason = enabled ? null : 'disabled by the API';
      // a re-enabled endpoint gets a fresh failure clock
      if (enabled && !current.enabled) next.failingSince = null;
    }
    // A disabled endpoint enabled again: `endpoint.recovered`, written with the change.
    const recovered = enabled && !current.enabled ? (this.deps.operational?.recovered(next, 'enabled') ?? null) : null;
    if (!(await this.deps.deliveries.updateEndpoint(next, recovered))) throw notFound(`endpoint ${id}`);
    if (recovered) this.deps.operational?.wake();
    return { endpoint: next, newSecret: algorithmChanged ? next.secret : null };
  }

  async remove(tenantId: string, id: string): Promise<void> {
    if (!(await this.deps.deliveries.deleteEndpoint(tenantId, id))) throw notFound(`endpoint ${id}`);
  }

  /** A new secret signs from now on; the old one keeps signing too until the grace period ends. */
  async rotateSecret(tenantId: string, id: string, graceSeconds = DEFAULT_ROTATION_GRACE_SECONDS) {
    const current = await this.get(tenantId, id);
    const now = this.deps.clock().getTime();
    const next: EndpointRecord = {
      ...current,
      updatedAt: nextUpdatedAt(current, now),
      secret: newSecretFor(current.auth),
      previousSecret: graceSeconds > 0 ? current.secret : null,
      previousSecretExpiresAt: graceSeconds > 0 ? now + graceSeconds * 1000 : null,
    };
    if (!(await this.deps.deliveries.updateEndpoint(next))) throw notFound(`endpoint ${id}`);
    return next;
  }
}

/**
 * `updatedAt` is the endpoint's version for the caches of pushing processes
 * (the dispatcher's endpoints, the push client's agents): it moves on every
 * change, even two within one millisecond.
 */
function nextUpdatedAt(current: EndpointRecord, nowMs: number): number {
  return Math.max(nowMs, current.updatedAt + 1);
}

/** The secret fields of an answer that may show them (creation, reveal, rotation). */
export function secretFields(endpoint: EndpointRecord) {
  return {
    secret: endpoint.secret,
    ...(endpoint.secret.startsWith('whsk_') ? { publicKey: ed25519PublicKey(endpoint.secret) } : {}),
  };
}
