/** One instance of a workflow, as stored and as the API shows it. */
export interface Subject {
  tenantId: string;
  id: string;
  workflow: string;
  status: string;
  /** 1 after creation, +1 on every change; the basis of `expectedVersion`. */
  version: number;
  parentId: string | null;
  attributes: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  statusChangedAt: string;
  /** Set when the subject's personal data was erased; attributes are then `{}`. */
  erasedAt?: string | null;
}

/** The subject as the public API renders it (no tenant id). */
export function publicSubject(subject: Subject) {
  return {
    id: subject.id,
    workflow: subject.workflow,
    status: subject.status,
    version: subject.version,
    parentId: subject.parentId,
    attributes: subject.attributes,
    createdAt: subject.createdAt,
    updatedAt: subject.updatedAt,
    statusChangedAt: subject.statusChangedAt,
    erasedAt: subject.erasedAt ?? null,
  };
}
