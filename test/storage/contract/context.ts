import { strict as assert } from 'node:assert';
import type { StoredEvent } from '../../../src/events/event.js';
import type { IdempotencyWrite, Store } from '../../../src/storage/store.js';
import type { Change, EngineContext } from '../../../src/workflows/engine.js';

/** What each part of the contract suite gets: the store under test, opened afresh per test. */
export interface ContractContext {
  readonly store: Store;
  /** The engine context of the next change; its clock moves one second per call. */
  tick(): EngineContext;
  injectEventInsertFailure(): Promise<void>;
}

/** Commits and asserts the store accepted the change. */
export async function commitOk(
  store: Store,
  tenantId: string,
  change: Change,
  idempotency?: IdempotencyWrite,
): Promise<StoredEvent[]> {
  const result = await store.commit(tenantId, change, idempotency);
  if (!result.ok) assert.fail(`commit refused: ${JSON.stringify(result)}`);
  return result.events;
}

/** 1..n */
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
