/** The paging-under-concurrent-writes check, shared by the SQLite and PostgreSQL feed tests. */
import assert from 'node:assert/strict';
import type { TestApp } from '../helpers/test-runtime.js';
import { type Auth, client, imageChecks } from './pull-kit.js';

interface NativeEvent {
  id: string;
  sequence: string;
}

/**
 * Writes `total` events in batches while a reader pages the feed 100 at a
 * time, then drains it: the reader must see every event exactly once, in
 * sequence order, with no gap.
 */
export async function pageWhileWriting(t: TestApp, tenant: { id: string; auth: Auth }, total: number): Promise<void> {
  const api = client(t, tenant.auth);
  await imageChecks(t, tenant.id, 500, 'seed');
  let writing = true;
  const writer = (async () => {
    for (let written = 500; written < total; written += 100) await imageChecks(t, tenant.id, 100, `w${written}`);
    writing = false;
  })();
  const seen: NativeEvent[] = [];
  let cursor: string | null = null;
  for (;;) {
    // inject() never leaves the microtask queue and SQLite answers synchronously:
    // yield once per page, as a network round trip would, so the writer's commits run.
    await new Promise((resolve) => setImmediate(resolve));
    // Read the flag before the request: a page read while the last batch was
    // still committing may be empty, and only a page read after the writer
    // finished proves the feed is drained.
    const writerWasDone = !writing;
    const url = `/v1/events?format=native&count=100${cursor ? `&afterEventId=${cursor}` : ''}`;
    const res = await api.get(url);
    assert.equal(res.statusCode, 200, res.body);
    const page = res.json() as { lastEventId: string | null; events: NativeEvent[] };
    seen.push(...page.events);
    if (page.events.length > 0) assert.equal(page.lastEventId, page.events.at(-1)?.id);
    else assert.equal(page.lastEventId, cursor, 'an empty page echoes the cursor');
    cursor = page.lastEventId;
    if (page.events.length === 0 && writerWasDone) break;
  }
  await writer;
  assert.equal(seen.length, total);
  assert.equal(new Set(seen.map((e) => e.id)).size, total, 'no duplicate');
  for (const [i, e] of seen.entries()) assert.equal(Number(e.sequence), i + 1, 'no gap, in order');
}
