/**
 * Which outbox rows a fan-out consumes, and which of the deliveries it
 * creates go out at once, leased to the process that fanned them out (see
 * `DeliveryStore.fanOutLeased`). Pure: the store reads the capacities and
 * writes the outcome.
 *
 * The idea: a delivery row that is leased when it is written is written twice
 * (created leased, then finished) instead of three times (created, leased,
 * finished), and needs no lease statement. So a backlog is better kept in the
 * outbox, one row per event, and fanned out as an endpoint's slots free up,
 * than turned into pending rows that each need a lease later. But the outbox
 * is one queue for every endpoint: waiting at its head for a slow endpoint
 * would hold every other endpoint's events. So the fan-out waits only for an
 * endpoint that is keeping up (it answered this process a moment ago, see
 * `FanOutLeaseRequest.keepsUp`) and has nothing queued in rows; any other
 * endpoint gets its deliveries as pending rows, as before, behind its queue.
 */

/**
 * An endpoint leased to, or answering, a worker within this long is keeping up: a
 * fan-out may leave its next events in the outbox until it has a free slot.
 * The bound on how long an endpoint that stops answering can hold the outbox
 * for the others before its deliveries go to rows.
 */
export const KEEPS_UP_MS = 100;

/**
 * An endpoint keeping up whose queue in rows is at most this long makes the
 * fan-out wait for it (its rows go out first, then its events are leased from
 * the outbox again); behind a longer one its new deliveries join the queue,
 * so an endpoint back from an outage with a long queue holds nobody up.
 */
export const SHORT_QUEUE = 256;

/** What one endpoint can take now. */
export interface EndpointCapacity {
  /** Deliveries that may be leased to it now (its cap minus those leased; 0 until a refill group is free). */
  free: number;
  /** Its due, unleased deliveries in rows (counted up to `SHORT_QUEUE` + 1): new ones queue behind them. */
  queued: number;
  /** Its circuit breaker is failing or open: its deliveries wait in rows for its probes. */
  failing: boolean;
  /**
   * It answered this process, or was leased to by any worker, within `KEEPS_UP_MS`: worth waiting for
   * (see the module comment).
   */
  keepsUp: boolean;
}

/** One delivery a consumed outbox row would create. */
export interface PlannedDelivery {
  endpointId: string;
  /** Held back behind an older delivery of its subject (subject ordering): it waits in a row. */
  held: boolean;
}

export interface Admission {
  /** How many outbox rows, from the first, are consumed. */
  consumed: number;
  /** Per consumed row, per planned delivery: leased at once (true) or written pending (false). */
  leased: boolean[][];
}

type Verdict = 'lease' | 'pending' | 'wait';

/** One delivery's fate, given what its endpoint can take and how many leases are left (`spare`). */
function verdict(endpoint: EndpointCapacity | undefined, held: boolean, free: number, spare: number): Verdict {
  if (held || !endpoint || endpoint.failing) return 'pending';
  if (endpoint.queued === 0 && free > 0 && spare > 0) return 'lease';
  return endpoint.keepsUp && endpoint.queued <= SHORT_QUEUE ? 'wait' : 'pending';
}

/**
 * Walks the outbox rows in order (`rows[i]`: the deliveries row i creates)
 * and stops before the first one with a delivery that must wait (see
 * `verdict`); a row is consumed whole or not at all, at most `limit`
 * deliveries are leased. `capacity` is updated as slots are taken and rows queued.
 */
export function admit(
  rows: readonly (readonly PlannedDelivery[])[],
  capacity: Map<string, EndpointCapacity>,
  limit: number,
): Admission {
  const leased: boolean[][] = [];
  let leases = 0;
  for (const deliveries of rows) {
    const taken = new Map<string, number>();
    let takenTotal = 0;
    const outcome: boolean[] = [];
    for (const { endpointId, held } of deliveries) {
      const endpoint = capacity.get(endpointId);
      const used = taken.get(endpointId) ?? 0;
      const decided = verdict(endpoint, held, (endpoint?.free ?? 0) - used, limit - leases - takenTotal);
      if (decided === 'wait') break;
      if (decided === 'lease') {
        taken.set(endpointId, used + 1);
        takenTotal += 1;
      }
      outcome.push(decided === 'lease');
    }
    if (outcome.length < deliveries.length) break; // a delivery must wait: so does this row, and every later one
    deliveries.forEach(({ endpointId, held }, k) => {
      const endpoint = capacity.get(endpointId);
      if (!endpoint) return;
      if (outcome[k]) endpoint.free -= 1;
      else if (!held) endpoint.queued += 1;
    });
    leases += takenTotal;
    leased.push(outcome);
  }
  return { consumed: leased.length, leased };
}
