import type pg from 'pg';
import { checkout } from './checkout.js';
import { isConnectionLost } from './pg-errors.js';

/**
 * Runs `work` in one transaction on one pooled connection. The transaction
 * commits when `keep(result)` holds and rolls back otherwise (a refused change
 * is a value, not an exception) or when anything throws.
 */
export async function transaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
  keep: (result: T) => boolean = () => true,
): Promise<T> {
  const { client, release } = await checkout(pool);
  let unusable: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query(keep(result) ? 'COMMIT' : 'ROLLBACK');
    return result;
  } catch (error) {
    // After a failed COMMIT the server has already ended the transaction and
    // ROLLBACK only warns. If ROLLBACK itself fails the connection is lost or
    // confused: destroy it instead of handing it back to the pool. A lost or
    // silent connection gets no ROLLBACK: it would wait out another timeout.
    if (isConnectionLost(error)) unusable = error as Error;
    else
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        unusable = rollbackError;
      });
    throw error;
  } finally {
    release(unusable);
  }
}
