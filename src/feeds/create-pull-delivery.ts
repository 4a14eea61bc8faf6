import type { Config } from '../config/config.js';
import type { OperationalEvents } from '../delivery/operational-events.js';
import type { DeliveryStore } from '../delivery/storage/delivery-store.js';
import { DestinationKeys } from '../keys/destination-keys.js';
import { KeyRing } from '../keys/key-ring.js';
import type { SecretSealer } from '../keys/secret-sealer.js';
import { SetSigner } from '../keys/set-signer.js';
import type { Store } from '../storage/store.js';
import type { WorkflowRegistry } from '../workflows/workflow-registry.js';
import { EventSets } from './event-sets.js';
import { FeedService } from './feed-service.js';
import { LogService } from './log-service.js';
import { openPullStorage } from './open-pull-storage.js';
import { PollService } from './poll-service.js';
import { RetentionJob } from './retention-job.js';

export interface PullDeliveryDeps {
  config: Config;
  store: Store;
  registry: WorkflowRegistry;
  clock: () => Date;
  logger?: { error: (obj: object, msg: string) => void };
  /** How long rotated keys stay in the JWKS (default 7 days). */
  keyOverlapMs?: number;
  /** Seals stored private keys (JWE, `TIDINGS_KEY_ENCRYPTION_KEYS`); none: stored as PEM, never served. */
  sealer?: SecretSealer;
  longPollMs?: number;
  /** Push deliveries, pruned by the retention job with the events. */
  deliveries?: Pick<DeliveryStore, 'pruneFinished'>;
  /**
   * Records `signing-key.rotated` and `retention.completed` (push delivery
   * makes it, after this: hence a getter).
   */
  operational?: () => Pick<OperationalEvents, 'wake' | 'retentionCompleted'>;
}

/**
 * Everything pull delivery needs, on the main store's database: signing keys
 * and the SET signer (also used by push delivery), the signed-once SET table,
 * the cursor feed, the SET logs, RFC 8936 poll streams and the retention job.
 */
export function createPullDelivery(deps: PullDeliveryDeps) {
  const { config, store, registry, clock } = deps;
  const storage = openPullStorage(store);
  const keys = new KeyRing({
    storage: storage.keys,
    clock,
    ...(deps.keyOverlapMs !== undefined ? { overlapMs: deps.keyOverlapMs } : {}),
    publishLeadMs: config.keyPublishLeadMs,
    ...(deps.sealer ? { sealer: deps.sealer } : {}),
    onRotated: () => deps.operational?.().wake(),
  });
  const destinationKeys = new DestinationKeys({
    storage: storage.destinationKeys,
    clock,
    ...(deps.sealer ? { sealer: deps.sealer } : {}),
  });
  const signer = new SetSigner(keys, destinationKeys);
  const sets = new EventSets({ store, storage: storage.feed, signer, issuer: config.issuer });
  const feed = new FeedService({
    store,
    storage: storage.feed,
    sets,
    registry,
    issuer: config.issuer,
    clock,
    retentionDays: config.retentionDays,
  });
  const logs = new LogService({ store, storage: storage.feed, sets });
  const polls = new PollService({
    streams: storage.streams,
    sets,
    clock,
    ...(deps.longPollMs !== undefined ? { longPollMs: deps.longPollMs } : {}),
  });
  const retention = new RetentionJob({
    store,
    storage: storage.feed,
    streams: storage.streams,
    ...(deps.deliveries ? { deliveries: deps.deliveries } : {}),
    keys,
    clock,
    retentionDays: config.retentionDays,
    ...(deps.logger ? { logger: deps.logger } : {}),
    onCompleted: async (cutoff, byTenant) => deps.operational?.().retentionCompleted(cutoff, byTenant),
  });
  return {
    keys,
    destinationKeys,
    signer,
    sets,
    feed,
    logs,
    polls,
    retention,
    storage,
    clock,
    async close() {
      polls.close();
      await retention.stop();
    },
  };
}

export type PullDelivery = ReturnType<typeof createPullDelivery>;
