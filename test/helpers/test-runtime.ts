import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, loadConfig } from '../../src/config/config.js';
import { createRuntime, type Runtime, type RuntimeOptions } from '../../src/server/create-runtime.js';
import { postgresTestDatabase } from './postgres.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** A settable clock for tests: starts at a fixed instant, moves only when told. */
export function fakeClock(start = '2026-01-15T10:00:00.000Z') {
  let now = Date.parse(start);
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
    set(iso: string) {
      now = Date.parse(iso);
    },
  };
}

export interface TestApp {
  runtime: Runtime;
  dataDir: string;
  config: Config;
  /** Creates a tenant through the admin route; returns its id and an Authorization header. */
  tenant(name?: string): Promise<{ id: string; apiKey: string; auth: { authorization: string } }>;
  close(): Promise<void>;
  /** Closes the process and starts a new one on the same data directory. */
  restart(): Promise<TestApp>;
}

/** The storage backends every API test runs on (the kysely habit: one suite, a loop over dialects). */
export const BACKENDS = ['sqlite', 'postgres'] as const;
export type Backend = (typeof BACKENDS)[number];

export interface TestBackend {
  name: Backend;
  /** false, or why this backend's tests are skipped (PostgreSQL unreachable; loud, see postgres.ts). */
  skip: string | false;
  /** Merge into `startTestApp`'s env to run on this backend (PostgreSQL: `DATABASE_URL` of a fresh database). */
  env: Record<string, string>;
  /** Drops the backend's database; call it in the file's `after`. */
  drop(): Promise<void>;
}

/**
 * One entry per backend, PostgreSQL on a database created for this test file:
 *
 * ```ts
 * const backends = await testBackends();
 * after(() => dropBackends(backends));
 * for (const backend of backends) {
 *   describe(`... (${backend.name})`, { skip: backend.skip }, () => {
 *     before(async () => { t = await startTestApp(backend.env); });
 *   });
 * }
 * ```
 */
export async function testBackends(): Promise<TestBackend[]> {
  const pg = await postgresTestDatabase();
  return [
    { name: 'sqlite', skip: false, env: {}, drop: async () => {} },
    { name: 'postgres', skip: pg.skip, env: pg.url ? { DATABASE_URL: pg.url } : {}, drop: () => pg.drop() },
  ];
}

export async function dropBackends(backends: TestBackend[]): Promise<void> {
  await Promise.all(backends.map((b) => b.drop()));
}

/**
 * A whole Tidings runtime on a fresh SQLite file in a temp folder (removed on close),
 * or on PostgreSQL when `env` holds a `DATABASE_URL` (see `testBackends`).
 */
export async function startTestApp(
  env: Record<string, string> = {},
  options: RuntimeOptions = {},
  dataDir = mkdtempSync(join(tmpdir(), 'tidings-test-')),
): Promise<TestApp> {
  const config = loadConfig({
    TIDINGS_DATA_DIR: dataDir,
    TIDINGS_ADMIN_TOKEN: ADMIN_TOKEN,
    TIDINGS_LOG_LEVEL: 'silent',
    TIDINGS_ALLOW_INSECURE_ENDPOINTS: '1',
    ...env,
  });
  const runtime = await createRuntime(config, options);
  await runtime.app.ready();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await runtime.close();
  };
  return {
    runtime,
    dataDir,
    config,
    async tenant(name = 'Acme Trust Services') {
      const res = await runtime.app.inject({
        method: 'POST',
        url: '/v1/tenants',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        payload: { name },
      });
      if (res.statusCode !== 201) throw new Error(`tenant creation failed: ${res.statusCode} ${res.body}`);
      const body = res.json() as { id: string; apiKey: string };
      return { id: body.id, apiKey: body.apiKey, auth: { authorization: `Bearer ${body.apiKey}` } };
    },
    async close() {
      await close();
      rmSync(dataDir, { recursive: true, force: true });
    },
    async restart() {
      await close();
      return startTestApp(env, options, dataDir);
    },
  };
}
