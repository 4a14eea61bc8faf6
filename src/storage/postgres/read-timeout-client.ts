import pg from 'pg';

type Callback = (error: Error | null, result?: pg.QueryResult) => void;
type QueryMethod = (this: pg.Client, config: unknown, values?: unknown, callback?: unknown) => unknown;

/** pg's own words for a silent server (`pg-errors.ts` reads them as a lost connection). */
export const READ_TIMEOUT_MESSAGE = 'Query read timeout';

const baseQuery = pg.Client.prototype.query as unknown as QueryMethod;

/** One query's wait for its answer: settles once, with the answer or with the read timeout. */
class PendingQuery {
  private settled = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly callback: Callback,
    timeoutMs: number,
  ) {
    this.timer = setTimeout(this.expire, timeoutMs);
  }

  readonly answer = (error: Error | null, result?: pg.QueryResult): void => {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.callback(error, result);
  };

  private readonly expire = (): void => {
    if (this.settled) return;
    this.settled = true;
    // As pg does: the caller hears of it now; the connection is released with
    // this error (pool.query, `checkout`) and pg-pool ends it.
    this.callback(new Error(READ_TIMEOUT_MESSAGE));
  };
}

/**
 * A `pg.Client` whose queries give up waiting for an answer after
 * `readTimeoutMs` (0: never), as pg's `query_timeout` does, and that always
 * hands pg a callback made outside pg's `Client#query`.
 *
 * Why not `query_timeout` and promises straight from pg: both make
 * `Client#query` install a callback closure of its own on the query, and with
 * it every row of every answer outlived the young generation. A bare loop of
 * 100-row pages through `pg.Pool` promoted ~1.6 MB in 4 s without
 * `query_timeout`, and 305-486 MB with it or through a checked-out client's
 * promise: 18-28 mark-compacts instead of none, and ~0.66x the rows read;
 * on the feed's server GC was 22-28% of the CPU (bench/RESULTS.md, session 15).
 * Query objects and cursors (anything with `submit`) go to pg as they are,
 * without a read timeout: Tidings sends none.
 */
export function readTimeoutClient(readTimeoutMs: number): typeof pg.Client {
  class ReadTimeoutClient extends pg.Client {}
  function query(this: pg.Client, config: unknown, values?: unknown, callback?: unknown): unknown {
    const ownMachinery =
      typeof config !== 'string' &&
      (config === null || typeof config !== 'object' || typeof (config as { submit?: unknown }).submit === 'function');
    if (ownMachinery) return baseQuery.call(this, config, values, callback);
    const given = typeof values === 'function' ? values : callback;
    const queryValues = typeof values === 'function' ? undefined : values;
    if (typeof given === 'function') {
      send(this, config, queryValues, given as Callback);
      return undefined;
    }
    return new Promise((resolve, reject) => {
      send(this, config, queryValues, (error, result) => (error ? reject(error) : resolve(result)));
    }).catch((error: unknown) => {
      // As pg does: a stack that leads back to the caller's awaits, not to the socket's read.
      if (error instanceof Error) Error.captureStackTrace(error);
      throw error;
    });
  }
  function send(client: pg.Client, config: unknown, values: unknown, callback: Callback): void {
    const answer = readTimeoutMs > 0 ? new PendingQuery(callback, readTimeoutMs).answer : callback;
    baseQuery.call(client, config, values, answer);
  }
  Object.defineProperty(ReadTimeoutClient.prototype, 'query', { value: query, writable: true, configurable: true });
  return ReadTimeoutClient;
}
