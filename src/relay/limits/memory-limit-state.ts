import { ALLOWED, type LimitState, type MemberWindow } from './limit-state';

/** Keys are swept for expired entries once per this many operations. */
const SWEEP_EVERY = 1_000;

interface MemberSet {
  windowMs: number;
  /** member → last seen; kept in last-seen order (a refreshed member moves to the back). */
  seen: Map<string, number>;
}

/**
 * `LimitState` in one process's memory. Entries expire as on Redis: a bucket when it is
 * full again, a member when its window has passed; a periodic sweep removes the keys of
 * clients that never came back, so an attacker rotating addresses costs memory only for a
 * window.
 */
export function createMemoryLimitState(): LimitState {
  const buckets = new Map<string, number>();
  const sets = new Map<string, MemberSet>();
  let operations = 0;

  const sweep = (now: number) => {
    if (++operations % SWEEP_EVERY !== 0) return;
    for (const [key, tat] of buckets) if (tat <= now) buckets.delete(key);
    for (const [key, set] of sets) {
      expire(set, now);
      if (set.seen.size === 0) sets.delete(key);
    }
  };

  return {
    async hit(key, windowMs, limit, now) {
      sweep(now);
      const interval = windowMs / limit;
      const tat = Math.max(buckets.get(key) ?? now, now) + interval;
      if (tat - now > windowMs) return { allowed: false, retryAfterMs: Math.max(1, Math.ceil(tat - now - windowMs)) };
      buckets.set(key, tat);
      return ALLOWED;
    },
    async admit(windows, members, now) {
      sweep(now);
      const distinct = [...new Set(members)];
      let wait = 0;
      for (const window of windows) {
        const set = setOf(window);
        expire(set, now);
        const fresh = distinct.filter((member) => !set.seen.has(member)).length;
        const over = set.seen.size + fresh - window.limit;
        if (over > 0) wait = Math.max(wait, fresh > window.limit ? window.windowMs : untilFreed(set, over, now));
      }
      if (wait > 0) return { allowed: false, retryAfterMs: Math.max(1, Math.ceil(wait)) };
      for (const window of windows) {
        const { seen } = setOf(window);
        for (const member of distinct) {
          seen.delete(member);
          seen.set(member, now);
        }
      }
      return ALLOWED;
    },
    async admitNew(spec, members, now) {
      sweep(now);
      const known = setOf({ key: spec.knownKey, windowMs: spec.knownMs });
      const firsts = setOf({ key: spec.newKey, windowMs: Math.max(...spec.windows.map((w) => w.windowMs)) });
      expire(known, now);
      expire(firsts, now);
      const distinct = [...new Set(members)];
      const fresh = distinct.filter((member) => !known.seen.has(member));
      if (fresh.length > 0) {
        let wait = 0;
        for (const { windowMs, limit } of spec.windows) {
          // First sightings within this window, oldest first.
          const recent = [...firsts.seen.values()].filter((at) => at + windowMs > now);
          const over = recent.length + fresh.length - limit;
          if (over > 0) wait = Math.max(wait, fresh.length > limit ? windowMs : recent[over - 1] + windowMs - now);
        }
        if (wait > 0) return { allowed: false, retryAfterMs: Math.max(1, Math.ceil(wait)) };
        for (const member of fresh) {
          firsts.seen.delete(member);
          firsts.seen.set(member, now);
        }
      }
      for (const member of distinct) {
        known.seen.delete(member);
        known.seen.set(member, now);
      }
      return ALLOWED;
    },
  };

  function setOf({ key, windowMs }: Pick<MemberWindow, 'key' | 'windowMs'>): MemberSet {
    let set = sets.get(key);
    if (!set) sets.set(key, (set = { windowMs, seen: new Map() }));
    return set;
  }
}

function expire(set: MemberSet, now: number): void {
  for (const [member, at] of set.seen) {
    if (at + set.windowMs > now) break;
    set.seen.delete(member);
  }
}

/** Ms until `count` of the oldest members have left the window. */
function untilFreed(set: MemberSet, count: number, now: number): number {
  let i = 0;
  for (const at of set.seen.values()) if (++i === count) return at + set.windowMs - now;
  return set.windowMs;
}
