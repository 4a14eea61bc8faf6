/**
 * What the ingest measurements share (`ingest.ts`, `ingest-baselines.ts`,
 * `snapshots.ts`, `ingest-warm.mjs`): the subjects the clients post to, and
 * one row's figures from a load run and its CPU meter.
 */
import type { FastifyInstance } from 'fastify';
import type { CpuReport } from './cpu-accounting.js';
import type { LoadResult } from './run-load.js';

export interface IngestFigures {
  label: string;
  perSecond: number;
  p50: number;
  p99: number;
  failed: number;
  /** CPU ms per accepted event of the server and its database (`ingestCpuGroups`; the load client is not counted). */
  cpuMsPerEvent: number;
}

/** One row: the load's rate and latencies, and the metered CPU per accepted event. */
export function ingestFigures(label: string, r: LoadResult, cpu: CpuReport): IngestFigures {
  return {
    label,
    perSecond: r.ok / r.seconds,
    p50: r.p50,
    p99: r.p99,
    failed: r.failed,
    cpuMsPerEvent: (1000 * cpu.seconds) / Math.max(1, r.ok),
  };
}

/**
 * `count` VideoID requests (`<prefix>-0`, ...), each moved into VIDEOINCOMPLETE
 * once so that every request of the load is the same transition; returns the
 * path each client posts to. Through `inject`, before the clock.
 */
export async function ingestSubjects(
  app: Pick<FastifyInstance, 'inject'>,
  headers: Record<string, string>,
  count: number,
  prefix = 'bench',
): Promise<string[]> {
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `${prefix}-${i}`;
    const path = `/v1/subjects/${id}/events`;
    await app.inject({ method: 'POST', url: '/v1/subjects', headers, payload: { workflow: 'videoid-request', id } });
    await app.inject({
      method: 'POST',
      url: path,
      headers,
      payload: { type: 'VIDEOID_UPDATED', to: 'VIDEOINCOMPLETE' },
    });
    paths.push(path);
  }
  return paths;
}
