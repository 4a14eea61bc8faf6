import type { Config } from '../config/config.js';
import type { EndpointService } from '../delivery/endpoint-service.js';
import type { Sender } from '../delivery/senders/sender.js';
import type { DeliveryStore } from '../delivery/storage/delivery-store.js';
import type { PollService } from '../feeds/poll-service.js';
import type { FeedStorage } from '../feeds/storage/feed-storage.js';
import type { SetSigner } from '../keys/set-signer.js';
import type { PostgresStore } from '../storage/postgres/postgres-store.js';
import type { SqliteStore } from '../storage/sqlite/sqlite-store.js';
import type { Store } from '../storage/store.js';
import type { WorkflowRegistry } from '../workflows/workflow-registry.js';
import { SsfStreamService } from './ssf-stream-service.js';
import { PostgresSsfStorage } from './storage/postgres-ssf-storage.js';
import { SqliteSsfStorage } from './storage/sqlite-ssf-storage.js';

/** SSF storage on the main store's database. */
export function openSsfStorage(store: Store) {
  return store.kind === 'sqlite'
    ? new SqliteSsfStorage((store as SqliteStore).db)
    : new PostgresSsfStorage((store as PostgresStore).pool);
}

/** Wires the OpenID Shared Signals transmitter onto push and pull delivery. */
export function createSignals(deps: {
  config: Config;
  store: Store;
  registry: WorkflowRegistry;
  endpoints: EndpointService;
  deliveries: DeliveryStore;
  polls: PollService;
  feed: FeedStorage;
  signer: SetSigner;
  sender: Sender;
  clock: () => Date;
  logger?: { warn: (obj: object, msg: string) => void };
}) {
  return new SsfStreamService({
    issuer: deps.config.issuer,
    registry: deps.registry,
    storage: openSsfStorage(deps.store),
    endpoints: deps.endpoints,
    deliveries: deps.deliveries,
    polls: deps.polls,
    feed: deps.feed,
    signer: deps.signer,
    sender: deps.sender,
    clock: deps.clock,
    minVerificationIntervalMs: deps.config.ssfMinVerificationIntervalMs,
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
}
