import type { StoredEvent } from '../events/event.js';
import type { RenderContext } from '../formats/render-context.js';
import { renderSet } from '../formats/set.js';
import type { SetSigner } from '../keys/set-signer.js';
import type { Store } from '../storage/store.js';
import { loadRenderContexts } from './render-contexts.js';
import { type SkippedEvent, skipCodeOf, UnrenderableEvent } from './skipped-event.js';
import type { FeedStorage, StoredSet } from './storage/feed-storage.js';

export interface EventSetsDeps {
  store: Store;
  storage: FeedStorage;
  signer: SetSigner;
  issuer: string;
}

/**
 * The SET (compact JWS) of each event, signed ONCE: at first read the missing
 * ones of a page are signed together, stored, and served from the table from
 * then on. PS512 with RSA-4096 costs ~5-10 ms per signature on one core; a
 * stored read costs microseconds.
 */
export class EventSets {
  constructor(private readonly deps: EventSetsDeps) {}

  /**
   * The JWS of each event, by sequence number; an event whose SET cannot be
   * made (its data nests too deep to write, its rendering throws) is left out
   * of the map and reported in `skipped`, so one stored event never fails a
   * whole log, feed page or poll. Any other failure (the signing key cannot
   * be read, say) fails the call: a poll settles what it skips, so a
   * passing fault must not look like a bad event.
   */
  async jwsFor(
    tenantId: string,
    events: readonly StoredEvent[],
  ): Promise<{ jws: Map<number, string>; skipped: SkippedEvent[] }> {
    const { storage } = this.deps;
    const found = await storage.getSets(
      tenantId,
      events.map((e) => e.sequence),
    );
    const missing = events.filter((e) => !found.has(e.sequence));
    if (missing.length === 0) return { jws: found, skipped: [] };
    // The render contexts of the whole page in a few queries; signatures run on
    // the crypto thread pool, so a page is signed in parallel.
    const contexts = await loadRenderContexts(storage, tenantId, missing, this.deps.issuer);
    const skipped: SkippedEvent[] = [];
    const tried = await Promise.all(
      contexts.map((ctx) =>
        this.sign(ctx).catch((error: unknown) => {
          if (!(error instanceof UnrenderableEvent)) throw error;
          skipped.push({ eventId: ctx.event.id, code: error.code });
          return null;
        }),
      ),
    );
    const signed = tried.filter((s): s is StoredSet => s !== null);
    if (signed.length > 0) await storage.insertSets(tenantId, signed);
    // Another process may have stored its own signature of an event first: serve the stored one.
    const stored = await storage.getSets(
      tenantId,
      signed.map((s) => s.sequence),
    );
    for (const s of signed) found.set(s.sequence, stored.get(s.sequence) ?? s.jws);
    return { jws: found, skipped };
  }

  private async sign(ctx: RenderContext): Promise<StoredSet> {
    const { signer } = this.deps;
    const signingKey = await signer.keyFor(ctx.event.workflow, {
      tenantId: ctx.event.tenantId,
      destinationId: ctx.eventIssuer,
    });
    let token: ReturnType<typeof renderSet>;
    try {
      token = renderSet({ ...ctx, signingKey });
    } catch (error) {
      throw new UnrenderableEvent(skipCodeOf(error), { cause: error });
    }
    let jws: string;
    try {
      jws = await signer.sign(token);
    } catch (error) {
      // jose writes the claims with JSON.stringify too: a stack overflow there
      // is the event's; a key that cannot be loaded is not.
      if (skipCodeOf(error) === 'too_deep') throw new UnrenderableEvent('too_deep', { cause: error });
      throw error;
    }
    return { sequence: ctx.event.sequence, kid: signingKey.kid, jws };
  }
}
