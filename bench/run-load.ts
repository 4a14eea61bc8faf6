import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface LoadResult {
  ok: number;
  failed: number;
  seconds: number;
  p50: number;
  p99: number;
  /** When the first request went out (`performance.timeOrigin + performance.now()`). */
  startedAt: number;
  /** CPU seconds the load client spent while the load ran. */
  cpuSeconds: number;
}

const CLIENT = fileURLToPath(new URL('./load-client.js', import.meta.url));

/** Runs bench/load-client.ts in a child process and returns its figures. */
export function runLoad(spec: {
  origin: string;
  paths: string[];
  body: string;
  headers?: Record<string, string>;
  concurrency: number;
  durationMs: number;
}): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLIENT, JSON.stringify({ headers: {}, ...spec })], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load client exited ${code}`)),
    );
  });
}
