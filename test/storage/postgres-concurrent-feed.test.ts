import { strict as assert } from 'node:assert';
import { after, describe, test } from 'node:test';
import { POSTGRES_MIGRATIONS } from '../../src/storage/postgres/migrations.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { postgresTestDatabase } from '../helpers/postgres.js';
import { range } from './contract/context.js';
import { moveParcel, newTenant, openParcel, subjectOf, testClock } from './parcel-workflow.js';

/**
 * Several API processes on one database, simulated by several stores, each
 * with its own connection pool. Runs on its own fresh database: the first test
 * needs an empty schema.
 */
const pgdb = await postgresTestDatabase();
after(() => pgdb.drop());

const PROCESSES = 4;
const WRITERS_PER_PROCESS = 4;
const PARCELS_PER_WRITER = 15; // two commits each: opened, shipped

describe('PostgreSQL with several processes', { skip: pgdb.skip }, () => {
  const stores: PostgresStore[] = [];
  after(() => Promise.all(stores.map((s) => s.close())));

  test('processes starting together apply each migration once', async () => {
    for (let i = 0; i < PROCESSES + 1; i++)
      stores.push(new PostgresStore({ connectionString: pgdb.url!, poolSize: 6 }));
    await Promise.all(stores.map((s) => s.migrate()));
    const { rows } = await stores[0]!.pool.query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    assert.deepEqual(
      rows.map((r) => r.version),
      POSTGRES_MIGRATIONS.map((m) => m.version),
    );
  });

  test('a cursor reader sees every sequence number once and in order while processes commit', async () => {
    const [reader, ...writers] = stores;
    assert.ok(reader && writers.length === PROCESSES);
    const { tenant } = await newTenant(reader);
    // Widen the window between taking sequence numbers and committing them:
    // with a scheme that let commits finish out of order (a SEQUENCE, say),
    // this is where the reader would move its cursor past a late commit.
    await reader.pool.query(`
      CREATE FUNCTION linger() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN PERFORM pg_sleep(random() * 0.002); RETURN NULL; END $$;
      CREATE TRIGGER linger AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION linger();`);

    let writing = true;
    const tick = testClock();
    const writeParcels = async (store: PostgresStore) => {
      for (let i = 0; i < PARCELS_PER_WRITER; i++) {
        const opened = openParcel(tick(), tenant.id);
        assert.ok((await store.commit(tenant.id, opened)).ok);
        assert.ok((await store.commit(tenant.id, moveParcel(tick(), subjectOf(opened), 'parcel-shipped'))).ok);
      }
    };
    const done = Promise.all(
      writers.flatMap((store) => range(WRITERS_PER_PROCESS).map(() => writeParcels(store))),
    ).finally(() => {
      writing = false;
    });
    done.catch(() => {}); // awaited below; keeps a writer's failure from counting as unhandled meanwhile

    const seen: number[] = [];
    let pagesWhileWriting = 0;
    const readPage = async () => {
      const cursor = seen.at(-1) ?? 0;
      const page = await reader.listEvents(tenant.id, { afterSequence: cursor, limit: 7 });
      for (const event of page) {
        // A skipped number would show up here at once: the next event is always cursor + 1.
        assert.equal(event.sequence, (seen.at(-1) ?? 0) + 1, `after ${seen.at(-1)} came ${event.sequence}`);
        seen.push(event.sequence);
      }
      return page.length;
    };
    while (writing) {
      await readPage();
      pagesWhileWriting += 1;
    }
    await done;
    while ((await readPage()) > 0);

    const total = PROCESSES * WRITERS_PER_PROCESS * PARCELS_PER_WRITER * 2;
    assert.deepEqual(seen, range(total));
    assert.ok(pagesWhileWriting > 20, `the reader ran alongside the writers (${pagesWhileWriting} pages)`);
    const [last] = (
      await reader.pool.query<{ last_sequence: string }>('SELECT last_sequence FROM tenants WHERE id = $1', [tenant.id])
    ).rows;
    assert.equal(Number(last?.last_sequence), total);
  });
});
