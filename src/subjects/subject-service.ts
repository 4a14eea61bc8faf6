import { randomUUID } from 'node:crypto';
import { notFound, TidingsError, validationError } from '../errors/tidings-error.js';
import { publicEvent, type StoredEvent } from '../events/event.js';
import { newEventId } from '../events/event-id.js';
import type { Tracing } from '../observability/tracing.js';
import type { Store } from '../storage/store.js';
import { OPERATIONAL_WORKFLOW } from '../workflows/builtin/operational.js';
import {
  applyEvent,
  type Change,
  createSubject,
  type EngineContext,
  type EventInput,
  updateAttributes,
} from '../workflows/engine.js';
import { withTenantDefaults } from '../workflows/tenant-defaults.js';
import type { WorkflowRegistry } from '../workflows/workflow-registry.js';
import { requestHash } from './request-hash.js';
import { publicSubject, type Subject } from './subject.js';

/** An answer to a write: what to send, and whether it is the replay of an earlier identical request. */
export interface WriteAnswer {
  status: number;
  body: unknown;
  replayed: boolean;
  events: StoredEvent[];
}

export interface Idempotency {
  key: string;
  method: string;
  path: string;
  body: unknown;
}

export interface SubjectServiceDeps {
  store: Store;
  registry: WorkflowRegistry;
  clock: () => Date;
  /** Called after every committed transition (metrics, wake-ups of the dispatcher). */
  onCommitted?: (events: StoredEvent[]) => void;
  /** Tracing on: each commit is a span, and its events keep its traceparent (`src/observability/tracing.ts`). */
  tracing?: Tracing | null;
}

/** Operational subjects tell what Tidings saw; only Tidings writes them (`delivery/operational-events.ts`). */
function refuseOperational(workflow: string): void {
  if (workflow === OPERATIONAL_WORKFLOW) {
    throw new TidingsError('forbidden', 'operational events are recorded by Tidings itself', { target: 'workflow' });
  }
}

/** How often an unguarded write is retried when another writer got there first. */
const MAX_ATTEMPTS = 5;

/**
 * The write path: load → engine (pure) → commit (one transaction). Writes
 * without `expectedVersion` retry on a version conflict, because the engine
 * re-checks the transition against the fresh state; writes with it answer 409.
 */
export class SubjectService {
  constructor(private readonly deps: SubjectServiceDeps) {}

  private context(): EngineContext {
    return { now: this.deps.clock(), newSubjectId: randomUUID, newEventId };
  }

  async create(
    tenantId: string,
    input: {
      workflow: string;
      id?: string;
      parentId?: string;
      attributes?: Record<string, unknown>;
      to?: string;
      type?: string;
      data?: Record<string, unknown>;
    },
    idempotency?: Idempotency,
    /** The W3C traceparent of the request span, when tracing is on. */
    traceparent?: string,
  ): Promise<WriteAnswer> {
    refuseOperational(input.workflow);
    return this.write(tenantId, idempotency, 201, traceparent, async () => {
      const parent = input.parentId === undefined ? null : await this.deps.store.getSubject(tenantId, input.parentId);
      if (input.parentId !== undefined && !parent) {
        throw validationError([{ field: 'parentId', message: `parent subject ${input.parentId} does not exist` }]);
      }
      const { parentId: _omit, ...rest } = input;
      const attributes = await this.attributesWithDefaults(tenantId, input.workflow, input.attributes);
      const result = createSubject(
        this.deps.registry,
        { ...rest, ...(attributes ? { attributes } : {}), tenantId, parent },
        this.context(),
      );
      if (!result.ok) throw result.error;
      return { change: result.value, guarded: false, respond: () => this.subjectBody(result.value) };
    });
  }

  async transition(
    tenantId: string,
    subjectId: string,
    input: EventInput & { expectedVersion?: number },
    idempotency?: Idempotency,
    traceparent?: string,
  ): Promise<WriteAnswer> {
    return this.write(tenantId, idempotency, 201, traceparent, async () => {
      const subject = await this.requireSubject(tenantId, subjectId);
      refuseOperational(subject.workflow);
      this.checkVersion(subject, input.expectedVersion);
      const { expectedVersion, ...event } = input;
      const result = applyEvent(this.deps.registry, subject, event, this.context());
      if (!result.ok) throw result.error;
      return {
        change: result.value,
        guarded: expectedVersion !== undefined,
        respond: (events) => (events[0] ? publicEvent(events[0]) : null),
      };
    });
  }

  async patchAttributes(
    tenantId: string,
    subjectId: string,
    input: { attributes: Record<string, unknown>; expectedVersion?: number },
  ): Promise<WriteAnswer> {
    return this.write(tenantId, undefined, 200, undefined, async () => {
      const subject = await this.requireSubject(tenantId, subjectId);
      refuseOperational(subject.workflow);
      this.checkVersion(subject, input.expectedVersion);
      const result = updateAttributes(this.deps.registry, subject, input.attributes, this.context());
      if (!result.ok) throw result.error;
      return {
        change: result.value,
        guarded: input.expectedVersion !== undefined,
        respond: () => publicSubject(result.value.subjects[0]?.subject as Subject),
      };
    });
  }

  /** The request's attributes plus the workflow's tenant defaults (one tenant read, only for such workflows). */
  private async attributesWithDefaults(
    tenantId: string,
    workflow: string,
    attributes: Record<string, unknown> | undefined,
  ): Promise<Record<string, unknown> | undefined> {
    const def = this.deps.registry.get(workflow)?.definition;
    if (!def?.tenantDefaults?.length) return attributes;
    const tenant = await this.deps.store.getTenant(tenantId);
    return withTenantDefaults(def, attributes ?? {}, tenant?.settings);
  }

  private async requireSubject(tenantId: string, subjectId: string): Promise<Subject> {
    const subject = await this.deps.store.getSubject(tenantId, subjectId);
    if (!subject) throw notFound(`subject ${subjectId}`);
    return subject;
  }

  private checkVersion(subject: Subject, expected: number | undefined): void {
    if (expected !== undefined && expected !== subject.version) {
      throw new TidingsError(
        'version_conflict',
        `subject ${subject.id} is at version ${subject.version}, not ${expected}`,
        {
          target: 'expectedVersion',
        },
      );
    }
  }

  private subjectBody(change: Change) {
    const created = change.subjects[0]?.subject as Subject;
    return publicSubject(created);
  }

  private async write(
    tenantId: string,
    idempotency: Idempotency | undefined,
    status: number,
    traceparent: string | undefined,
    plan: () => Promise<{ change: Change; guarded: boolean; respond: (events: StoredEvent[]) => unknown }>,
  ): Promise<WriteAnswer> {
    const hash = idempotency ? requestHash(idempotency.method, idempotency.path, idempotency.body) : '';
    if (idempotency) {
      const earlier = await this.deps.store.getIdempotency(tenantId, idempotency.key);
      if (earlier) return this.replay(earlier, hash);
    }
    for (let attempt = 1; ; attempt++) {
      const { change: planned, guarded, respond } = await plan();
      const span = this.deps.tracing?.startSpan('tidings.commit', traceparent, 'internal', {
        'tidings.tenant.id': tenantId,
        'tidings.events': planned.events.length,
      });
      // The events keep the commit span's context: each push of them continues this trace.
      const change = span ? traced(planned, span.traceparent) : planned;
      let result: Awaited<ReturnType<Store['commit']>>;
      try {
        result = await this.deps.store.commit(
          tenantId,
          change,
          idempotency
            ? {
                key: idempotency.key,
                requestHash: hash,
                createdAt: this.deps.clock().toISOString(),
                respond: (events) => ({ status, body: respond(events) }),
              }
            : undefined,
        );
      } catch (error) {
        span?.end(error instanceof Error ? error.message : String(error));
        throw error;
      }
      span?.end(result.ok ? undefined : result.reason);
      if (result.ok) {
        this.deps.onCommitted?.(result.events);
        return { status, body: respond(result.events), replayed: false, events: result.events };
      }
      if (result.reason === 'idempotency_replay') return this.replay(result.record, hash);
      if (result.reason === 'subject_exists') {
        throw new TidingsError('conflict', `subject ${result.subjectId} already exists`, { target: 'id' });
      }
      if (guarded || attempt >= MAX_ATTEMPTS) {
        throw new TidingsError('version_conflict', `subject ${result.subjectId} was changed concurrently`, {
          target: 'expectedVersion',
        });
      }
    }
  }

  private replay(record: { requestHash: string; status: number; body: unknown }, hash: string): WriteAnswer {
    if (record.requestHash !== hash) {
      throw new TidingsError('idempotency_conflict', 'Idempotency-Key was already used with a different request', {
        target: 'Idempotency-Key',
      });
    }
    return { status: record.status, body: record.body, replayed: true, events: [] };
  }
}

function traced(change: Change, traceparent: string): Change {
  return { ...change, events: change.events.map((e) => ({ ...e, traceparent })) };
}
