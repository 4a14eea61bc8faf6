import type pg from 'pg';

/** A pooled connection held for one transaction; `release` hands it back, or destroys it when it broke. */
export interface Checkout {
  client: pg.PoolClient;
  release(error?: Error): void;
}

/**
 * Checks a connection out of the pool with an 'error' listener for as long as
 * it is held. `pg` emits 'error' on a checked-out client whose server ended
 * the connection between two queries (restart, failover,
 * `pg_terminate_backend`); without a listener that is an uncaught exception
 * that takes the whole process down. The transaction's next query fails
 * anyway, and the broken connection is destroyed on release.
 */
export async function checkout(pool: pg.Pool): Promise<Checkout> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  client.on('error', onError);
  return {
    client,
    release(error?: Error) {
      client.off('error', onError);
      client.release(error ?? broken);
    },
  };
}
