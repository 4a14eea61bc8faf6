import type pg from 'pg';

/**
 * The one driver method the SQL files need; both a `pg.Pool` and a checked-out
 * `pg.PoolClient` (inside a transaction) satisfy it.
 */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<R>>;
}
