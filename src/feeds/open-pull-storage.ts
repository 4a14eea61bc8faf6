import { PostgresDestinationKeyStorage } from '../keys/postgres-destination-key-storage.js';
import { PostgresKeyStorage } from '../keys/postgres-key-storage.js';
import { SqliteDestinationKeyStorage } from '../keys/sqlite-destination-key-storage.js';
import { SqliteKeyStorage } from '../keys/sqlite-key-storage.js';
import type { PostgresStore } from '../storage/postgres/postgres-store.js';
import type { SqliteStore } from '../storage/sqlite/sqlite-store.js';
import type { Store } from '../storage/store.js';
import { PostgresFeedStorage } from './storage/postgres-feed-storage.js';
import { PostgresStreamStorage } from './storage/postgres-stream-storage.js';
import { SqliteFeedStorage } from './storage/sqlite-feed-storage.js';
import { SqliteStreamStorage } from './storage/sqlite-stream-storage.js';

/** Pull delivery's storage on the same database (and connection / pool) as the main store. */
export function openPullStorage(store: Store) {
  if (store.kind === 'sqlite') {
    const { db } = store as SqliteStore;
    return {
      keys: new SqliteKeyStorage(db),
      destinationKeys: new SqliteDestinationKeyStorage(db),
      feed: new SqliteFeedStorage(db),
      streams: new SqliteStreamStorage(db),
    };
  }
  const { pool } = store as PostgresStore;
  return {
    keys: new PostgresKeyStorage(pool),
    destinationKeys: new PostgresDestinationKeyStorage(pool),
    feed: new PostgresFeedStorage(pool),
    streams: new PostgresStreamStorage(pool),
  };
}
