import type { ApiKeyRecord, Store } from '../storage/store.js';

/**
 * Finds API key records for the auth hook, keeping each for `ttlMs` (default
 * 5 s) so a busy client does not cost a database round trip per request (one
 * per page of the feed on PostgreSQL). The secret is still compared on every
 * request; only the record is reused. A key revoked through this process is
 * forgotten at once; other processes stop accepting it within `ttlMs`.
 */
export class ApiKeyLookup {
  private readonly cache = new Map<string, { record: ApiKeyRecord | null; until: number }>();

  constructor(
    private readonly store: Pick<Store, 'getApiKey'>,
    private readonly ttlMs = 5_000,
    private readonly maxEntries = 10_000,
  ) {}

  async find(id: string): Promise<ApiKeyRecord | null> {
    const now = performance.now();
    const hit = this.cache.get(id);
    if (hit && hit.until > now) return hit.record;
    const record = await this.store.getApiKey(id);
    // Unknown ids are not cached: a flood of made-up ids must not evict real keys.
    if (record) {
      if (this.cache.size >= this.maxEntries) this.cache.clear();
      this.cache.set(id, { record, until: now + this.ttlMs });
    }
    return record;
  }

  forget(id: string): void {
    this.cache.delete(id);
  }
}
