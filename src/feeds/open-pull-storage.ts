import {
  PostgresOperationalIntentStorage,
  SqliteOperationalIntentStorage,
} from '../delivery/storage/operational-intent-storage.js';
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

/**
 * Pull delivery's storage on the same database (and connection / pool) as the
 * main store, and the operational events' outbox, which keys and retention
 * write to as well as push delivery.
 */
export function openPullStorage(store: Store) {
  if (store.kind === 'sqlite') {
    const sqlite = store as SqliteStore;
    // events whose commit is not yet durable stay out of the feed and the SET streams (`SqliteStore.sequenceBelow`)
    const below = (tenantId: string) => sqlite.sequenceBelow(tenantId);
    return {
      keys: new SqliteKeyStorage(sqlite.db),
      destinationKeys: new SqliteDestinationKeyStorage(sqlite.db),
      feed: new SqliteFeedStorage(sqlite.db, below),
      streams: new SqliteStreamStorage(sqlite.db, below),
      intents: new SqliteOperationalIntentStorage(sqlite.db),
    };
  }
  const { pool } = store as PostgresStore;
  return {
    keys: new PostgresKeyStorage(pool),
    destinationKeys: new PostgresDestinationKeyStorage(pool),
    feed: new PostgresFeedStorage(pool),
    streams: new PostgresStreamStorage(pool),
    intents: new PostgresOperationalIntentStorage(pool),
  };
}
