import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A throwaway PostgreSQL database per test file, so files run in parallel
 * without seeing each other's rows (the graphile/worker habit).
 *
 * ```ts
 * const pgdb = await postgresTestDatabase();
 * describe('on PostgreSQL', { skip: pgdb.skip }, () => {
 *   after(() => pgdb.drop());
 *   test('...', async () => { const store = new PostgresStore({ connectionString: pgdb.url }); ... });
 * });
 * ```
 *
 * The server is `TIDINGS_TEST_DATABASE_URL` (default
 * `postgres://postgres@127.0.0.1:5432/postgres`); the URL names the database to
 * connect to for CREATE/DROP DATABASE. When the server is unreachable the
 * PostgreSQL tests are skipped with a loud warning, unless
 * `TIDINGS_REQUIRE_POSTGRES=1` (CI), which makes it an error.
 */
export type PostgresTestDatabase =
  | { available: true; skip: false; url: string; drop: () => Promise<void> }
  | { available: false; skip: string; url: undefined; drop: () => Promise<void> };

export const DEFAULT_TEST_SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';

export function testServerUrl(): string {
  return process.env.TIDINGS_TEST_DATABASE_URL || DEFAULT_TEST_SERVER;
}

/** Creates a fresh, empty database with a random name; `drop()` removes it and ends its connections. */
export async function postgresTestDatabase(): Promise<PostgresTestDatabase> {
  const serverUrl = testServerUrl();
  const admin = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
  } catch (error) {
    await admin.end().catch(() => {});
    const where = redact(serverUrl);
    const why = (error as Error).message || (error as { code?: string }).code || String(error);
    if (process.env.TIDINGS_REQUIRE_POSTGRES === '1') {
      throw new Error(`PostgreSQL not reachable at ${where} (${why}) and TIDINGS_REQUIRE_POSTGRES=1`);
    }
    const reason = `PostgreSQL not reachable at ${where} (${why}) — skipping PostgreSQL tests`;
    console.warn(`\n*** ${reason}\n*** set TIDINGS_TEST_DATABASE_URL, or TIDINGS_REQUIRE_POSTGRES=1 to fail instead\n`);
    return { available: false, skip: reason, url: undefined, drop: async () => {} };
  }
  const name = `tidings_test_${randomBytes(6).toString('hex')}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    available: true,
    skip: false,
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await dropDatabase(serverUrl, name);
    },
  };
}

/** Ends connections a test left open (a leaked pool must not keep the database alive), then drops it. */
async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query({
      text: 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      values: [name],
    });
    // DROP DATABASE waits up to 5 s for terminated backends to go away.
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  } finally {
    await admin.end();
  }
}

/** The server URL without its password, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(malformed TIDINGS_TEST_DATABASE_URL)';
  }
}
