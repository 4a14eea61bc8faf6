import jsonata from 'jsonata';
import type { EndpointSpec } from './endpoint.js';
import { FilterSyntaxError, parseFilter } from './filter/parse-filter.js';
import { MAX_ENDPOINT_RETRY_STEP_MS, parseRetrySchedule } from './retry-policy.js';

/** Checks of an endpoint's filter, transformation and retry schedule (`endpoint-service.ts` runs them). */
type Problem = { field: string; message: string; code?: string };

/** Headers Tidings sets itself; an endpoint's static headers may not replace them. */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'user-agent',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'x-correlation-id',
]);

/** Headers a transformation may not set: Tidings' own, and the endpoint's authorization. */
const TRANSFORM_RESERVED = new Set([...RESERVED_HEADERS, 'authorization']);

/** A filter that does not parse, with the position of the fault in the message. */
export function filterProblems(filter: string | null): Problem[] {
  if (filter === null) return [];
  try {
    parseFilter(filter);
    return [];
  } catch (error) {
    if (error instanceof FilterSyntaxError) {
      return [{ field: 'filter', code: 'FilterSyntax', message: `filter ${error.message}` }];
    }
    throw error;
  }
}

/** JSONata's parse errors carry a code (`S0201` ...) and the position just past the faulty token. */
function jsonataProblem(field: string, text: string): Problem | null {
  try {
    jsonata(text);
    return null;
  } catch (error) {
    const e = (error ?? {}) as { code?: string; position?: number; message?: string };
    const at = typeof e.position === 'number' ? ` at position ${e.position}` : '';
    const what = typeof e.message === 'string' ? e.message : 'not a JSONata expression';
    return { field, code: 'TransformSyntax', message: `${field}${at}: ${what}${e.code ? ` (${e.code})` : ''}` };
  }
}

/** Expressions that do not parse, headers a transformation may not set, and renderings it cannot read. */
export function transformProblems(spec: Pick<EndpointSpec, 'transform' | 'format'>): Problem[] {
  const transform = spec.transform;
  if (transform === null) return [];
  const problems: Problem[] = [];
  if (spec.format === 'set') {
    problems.push({
      field: 'transform',
      message: 'a signed SET (format set) cannot be reshaped: its signature covers it',
    });
  }
  if (transform.body !== undefined) {
    const problem = jsonataProblem('transform.body', transform.body);
    if (problem) problems.push(problem);
  }
  for (const [name, text] of Object.entries(transform.headers ?? {})) {
    if (TRANSFORM_RESERVED.has(name.toLowerCase())) {
      problems.push({
        field: 'transform.headers',
        message: `header ${name} is set by Tidings and cannot be transformed`,
      });
      continue;
    }
    const problem = jsonataProblem(`transform.headers.${name}`, text);
    if (problem) problems.push(problem);
  }
  return problems;
}

/** Each delay as `TIDINGS_RETRY_SCHEDULE` reads it, and none longer than 30 days. */
export function retryScheduleProblems(schedule: string[] | null): Problem[] {
  if (schedule === null) return [];
  const parsed = parseRetrySchedule(schedule, MAX_ENDPOINT_RETRY_STEP_MS);
  return parsed.ok ? [] : parsed.problems.map((p) => ({ field: 'retrySchedule', message: `retrySchedule has ${p}` }));
}
