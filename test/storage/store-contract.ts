import { afterEach, beforeEach, describe } from 'node:test';
import type { Store } from '../../src/storage/store.js';
import { commitContract } from './contract/commit.js';
import type { ContractContext } from './contract/context.js';
import { eventsContract } from './contract/events.js';
import { idempotencyContract } from './contract/idempotency.js';
import { renderSnapshotsContract } from './contract/render-snapshots.js';
import { sequencesContract } from './contract/sequences.js';
import { subjectsContract } from './contract/subjects.js';
import { tenantsContract } from './contract/tenants.js';
import { timersContract } from './contract/timers.js';
import { testClock } from './parcel-workflow.js';

export interface OpenedStore {
  /** A migrated store. Tests create their own tenants, so a store may hold other tests' rows. */
  store: Store;
  /** Closes the store and undoes anything `injectEventInsertFailure` did. */
  cleanup: () => Promise<void>;
  /** Makes every later insert into the event log fail inside the database (a trigger). */
  injectEventInsertFailure: () => Promise<void>;
}

/**
 * The behaviour every `Store` must have, as one suite that each backend's test
 * file runs (the kysely habit): same inputs, same answers, bit for bit.
 * `open` is called before every test.
 */
export function runStoreContract(
  name: string,
  open: () => Promise<OpenedStore>,
  options: { skip?: string | false } = {},
): void {
  describe(`Store contract: ${name}`, { skip: options.skip ?? false }, () => {
    let opened: OpenedStore | undefined;
    let tick = testClock();
    beforeEach(async () => {
      opened = await open();
      tick = testClock();
    });
    afterEach(async () => {
      await opened?.cleanup();
      opened = undefined;
    });
    const current = (): OpenedStore => {
      if (!opened) throw new Error('store is not open');
      return opened;
    };
    const ctx: ContractContext = {
      get store() {
        return current().store;
      },
      tick: () => tick(),
      injectEventInsertFailure: () => current().injectEventInsertFailure(),
    };
    tenantsContract(ctx);
    subjectsContract(ctx);
    commitContract(ctx);
    sequencesContract(ctx);
    idempotencyContract(ctx);
    eventsContract(ctx);
    timersContract(ctx);
    renderSnapshotsContract(ctx);
  });
}
