/**
 * Counters of what `/events` answered, for `GET /_stub/stats`: a test or a demo can check
 * how many requests were accepted, refused (by status) or hit by an injected fault.
 */

export interface StatsSnapshot {
  /** Every request that reached `/events` (preflights aside). */
  requests: number;
  accepted: number;
  /** Refusals by the server itself, by status; injected faults are counted apart. */
  rejected: Record<string, number>;
  faults: { errors: number; drops: number };
}

export interface Stats {
  request(): void;
  accepted(): void;
  rejected(status: number): void;
  faultError(): void;
  faultDrop(): void;
  snapshot(): StatsSnapshot;
  reset(): void;
}

function zero(): StatsSnapshot {
  return { requests: 0, accepted: 0, rejected: {}, faults: { errors: 0, drops: 0 } };
}

/**
 * @example
 * const stats = createStats();
 * stats.rejected(401);
 * stats.snapshot().rejected; // { '401': 1 }
 */
export function createStats(): Stats {
  let counts = zero();
  return {
    request: () => void counts.requests++,
    accepted: () => void counts.accepted++,
    rejected: (status) => {
      counts.rejected[status] = (counts.rejected[status] ?? 0) + 1;
    },
    faultError: () => void counts.faults.errors++,
    faultDrop: () => void counts.faults.drops++,
    snapshot: () => structuredClone(counts),
    reset: () => {
      counts = zero();
    },
  };
}
