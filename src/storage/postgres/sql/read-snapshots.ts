import type { RenderSnapshot } from '../../../events/event.js';
import { LISTED_CHILD_WORKFLOW, snapshotReads, snapshotsOf } from '../../../formats/render-snapshot.js';
import type { Subject } from '../../../subjects/subject.js';
import type { Change } from '../../../workflows/engine.js';
import { type SubjectRow, subjectFromRow } from '../../rows.js';
import type { Queryable } from '../queryable.js';
import { SUBJECT_COLUMNS } from './columns.js';

/** Parents by id and the listed children of the owners, in one statement. */
const READ_FAMILY = `
SELECT false AS child, ${SUBJECT_COLUMNS} FROM subjects WHERE tenant_id = $1 AND id = ANY($2::text[])
UNION ALL
SELECT true AS child, ${SUBJECT_COLUMNS} FROM subjects
  WHERE tenant_id = $1 AND parent_id = ANY($3::text[]) AND workflow = $4
ORDER BY 1, 9, 3`;

/**
 * The render snapshots of the changes' events (one tenant), read in the
 * commit's transaction after their subject writes. A change without parents
 * or videoid families reads nothing; the others cost one statement per batch,
 * plus one to lock the videoid requests whose certificates change (the lock
 * orders a family's commits, and the read runs as a statement of its own,
 * after the lock, so that it sees the commit it may have waited for).
 */
export async function readSnapshots(
  db: Queryable,
  tenantId: string,
  changes: readonly Change[],
): Promise<RenderSnapshot[][]> {
  const subjectIds = new Set<string>();
  const owners = new Set<string>();
  const lockIds = new Set<string>();
  for (const change of changes) {
    const reads = snapshotReads(change);
    for (const id of reads.subjectIds) subjectIds.add(id);
    for (const id of reads.owners) owners.add(id);
    for (const id of reads.lockIds) lockIds.add(id);
  }
  const read = new Map<string, Subject>();
  const children = new Map<string, Subject[]>();
  if (lockIds.size > 0) {
    await db.query({
      name: 'tidings_lock_families',
      text: 'SELECT 1 FROM subjects WHERE tenant_id = $1 AND id = ANY($2::text[]) ORDER BY id FOR UPDATE',
      values: [tenantId, [...lockIds].sort()],
    });
  }
  if (subjectIds.size > 0 || owners.size > 0) {
    const { rows } = await db.query<SubjectRow & { child: boolean }>({
      name: 'tidings_read_family',
      text: READ_FAMILY,
      values: [tenantId, [...subjectIds], [...owners], LISTED_CHILD_WORKFLOW],
    });
    for (const row of rows) {
      const subject = subjectFromRow(row);
      if (!row.child) read.set(subject.id, subject);
      else if (subject.parentId) {
        const list = children.get(subject.parentId) ?? [];
        list.push(subject);
        children.set(subject.parentId, list);
      }
    }
  }
  return changes.map((change) => snapshotsOf(change, read, children));
}
