import type Database from 'better-sqlite3';
import type { RenderSnapshot } from '../../events/event.js';
import { LISTED_CHILD_WORKFLOW, snapshotReads, snapshotsOf } from '../../formats/render-snapshot.js';
import type { Subject } from '../../subjects/subject.js';
import type { Change } from '../../workflows/engine.js';
import { type SubjectRow, subjectFromRow } from '../rows.js';

/**
 * The render snapshots of a change's events, read inside the commit's
 * transaction after the change's subject writes: SQLite has one writer, so
 * this is the state at the events' commit. A change without parents or
 * videoid families (most of them) reads nothing.
 */
export function readSnapshots(
  stmt: (sql: string) => Database.Statement,
  tenantId: string,
  change: Change,
): RenderSnapshot[] {
  if (change.events.length === 0) return [];
  const reads = snapshotReads(change);
  const subjects = new Map<string, Subject>();
  const byId = stmt('SELECT * FROM subjects WHERE tenant_id = ? AND id = ?');
  for (const id of reads.subjectIds) {
    const row = byId.get(tenantId, id) as SubjectRow | undefined;
    if (row) subjects.set(id, subjectFromRow(row));
  }
  const children = new Map<string, Subject[]>();
  const childrenOf = stmt(
    `SELECT * FROM subjects INDEXED BY subjects_by_parent WHERE tenant_id = ? AND parent_id = ? AND workflow = ?
       ORDER BY created_at, id`,
  );
  for (const owner of reads.owners) {
    children.set(owner, (childrenOf.all(tenantId, owner, LISTED_CHILD_WORKFLOW) as SubjectRow[]).map(subjectFromRow));
  }
  return snapshotsOf(change, subjects, children);
}
