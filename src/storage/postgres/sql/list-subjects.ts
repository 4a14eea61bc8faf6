import type { Subject } from '../../../subjects/subject.js';
import { type SubjectRow, subjectFromRow } from '../../rows.js';
import type { SubjectFilter } from '../../store.js';
import type { Queryable } from '../queryable.js';
import { SUBJECT_COLUMNS } from './columns.js';

/** One page of a tenant's subjects, oldest first, keyset-paged on `(created_at, id)`. */
export async function listSubjects(db: Queryable, tenantId: string, filter: SubjectFilter): Promise<Subject[]> {
  const values: unknown[] = [tenantId];
  const where = ['tenant_id = $1'];
  const param = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  if (filter.workflow !== undefined) where.push(`workflow = ${param(filter.workflow)}`);
  if (filter.status !== undefined) where.push(`status = ${param(filter.status)}`);
  if (filter.parentId !== undefined) where.push(`parent_id = ${param(filter.parentId)}`);
  if (filter.after) {
    where.push(`(created_at, id) > (${param(filter.after.createdAt)}::timestamptz, ${param(filter.after.id)})`);
  }
  const result = await db.query<SubjectRow>({
    text: `SELECT ${SUBJECT_COLUMNS} FROM subjects WHERE ${where.join(' AND ')} ORDER BY created_at, id LIMIT ${param(filter.limit)}`,
    values,
  });
  return result.rows.map(subjectFromRow);
}
