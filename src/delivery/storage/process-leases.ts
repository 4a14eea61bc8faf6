/** One delivery's lease. */
export interface Lease {
  token: string;
  until: number;
  endpointId: string;
  /** The delivery is ordered by subject: finishing it releases or holds back its siblings. */
  ordered: boolean;
}

/**
 * The leases of a delivery store that one process owns (SQLite: one process
 * per file, docs/scaling.md), kept in memory instead of in the deliveries
 * rows. A lease there only guards against this process's own dispatcher
 * taking a delivery twice, and a crash frees every lease at start anyway
 * (`releaseOrphanedLeases`), so writing it cost B-tree writes for nothing:
 * the lease's update and `deliveries_leased` entry, and their removal when
 * the attempt is recorded (alone within noise in bench `push`; bench/RESULTS.md).
 *
 * Semantics are those of the row columns: a lease holds until `until`; after
 * that the delivery may be leased again under a new token, and only the
 * current token's holder may record or release it. An expired lease is
 * forgotten at the next count (`busyByEndpoint`), so nothing accumulates.
 */
export class ProcessLeases {
  private readonly held = new Map<string, Lease>();

  /** Records a lease of `deliveryId` (a new token replaces an expired one). */
  take(deliveryId: string, lease: Lease): void {
    this.held.set(deliveryId, lease);
  }

  /** The delivery's lease if `token` is current. */
  get(deliveryId: string, token: string): Lease | undefined {
    const lease = this.held.get(deliveryId);
    return lease?.token === token ? lease : undefined;
  }

  /** Whether some lease on the delivery still holds at `nowMs`. */
  isLeased(deliveryId: string, nowMs: number): boolean {
    const lease = this.held.get(deliveryId);
    return lease !== undefined && lease.until > nowMs;
  }

  /** Ends the lease if `token` is current; returns whether it was. */
  end(deliveryId: string, token: string): boolean {
    if (!this.get(deliveryId, token)) return false;
    this.held.delete(deliveryId);
    return true;
  }

  /** Leases holding at `nowMs`, counted per endpoint; expired ones are dropped. */
  busyByEndpoint(nowMs: number): Map<string, number> {
    const busy = new Map<string, number>();
    for (const [id, lease] of this.held) {
      if (lease.until > nowMs) busy.set(lease.endpointId, (busy.get(lease.endpointId) ?? 0) + 1);
      else this.held.delete(id);
    }
    return busy;
  }

  /** Drops every lease (a dispatcher starting: nothing of this process is in flight); returns how many. */
  clear(): number {
    const n = this.held.size;
    this.held.clear();
    return n;
  }
}
