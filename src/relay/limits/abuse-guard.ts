import type { BotVerificationConfig } from '../bot-verification/bot-verification-options';
import { verifyConsent, type LedgerVerdict, type TokenLedger } from '../bot-verification/verify-consent';
import type { Outcome } from '../forward/outcome';
import type { ForwardErrorInfo } from '../types';
import type { ClientLimits } from './client-limit-options';
import { createClientLimits, type LimitKind, type LimitRefusal, type LimitedEvent } from './client-limits';
import type { LimitState } from './limit-state';

/** What the relay refused or held back, by kind, for metrics. */
export type AbuseCount = LimitKind | `bot_${'passed' | 'failed' | 'missing' | 'unavailable' | 'reused'}`;

/**
 * The counter (and labels) of each kind, for the `metrics` hook: 429s by limit, events
 * held back by reason, verifications by outcome.
 */
export function abuseMetric(what: AbuseCount): [name: string, labels: Record<string, string>] {
  if (what === 'batches' || what === 'identities' || what === 'phone_checks') return ['limit_429s', { limit: what }];
  if (what === 'phone_velocity') return ['events_held_back', { reason: what }];
  return ['bot_verifications', { outcome: what.slice(4) }];
}

export interface AbuseGuardDeps {
  limits: ClientLimits;
  botVerification: BotVerificationConfig | undefined;
  state: LimitState & TokenLedger;
  now(): number;
  report(info: ForwardErrorInfo): void;
  count(what: AbuseCount): void;
}

/** The screening of one batch: a 429 for all of it, or the events held back (index → outcome). */
export interface Screening {
  refusal?: LimitRefusal;
  held: Map<number, Outcome>;
}

/**
 * Who may use the relay, in the order the checks run:
 * 1. `admitRequest`, before the body is read: batches per client IP (429);
 * 2. `screen`, before anything is forwarded: new phones and emails per client IP (429 for
 *    the batch), then phone velocity (`rejected` per event), then bot verification of
 *    events that carry consent (`rejected` or `retry` per event).
 *
 * A 429 asks the browser to keep the events and send them after `Retry-After`; nothing is
 * dropped by a limit. A failing shared state refuses (never lets a batch through unguarded):
 * the caller answers it as unavailable.
 */
export function createAbuseGuard(deps: AbuseGuardDeps) {
  const limits = createClientLimits({ limits: deps.limits, state: deps.state, now: deps.now, report: deps.report, count: deps.count });
  const running = new Map<string, Promise<LedgerVerdict>>();
  const bot = deps.botVerification && {
    config: deps.botVerification,
    ledger: deps.state,
    report: deps.report,
    count: (outcome: 'passed' | 'failed' | 'missing' | 'unavailable' | 'reused') => deps.count(`bot_${outcome}`),
    running,
  };

  return {
    admitRequest: limits.admitBatch,
    /** A phone check (`<relay>/phone-check`): phone checks per client IP (429). */
    admitPhoneCheck: limits.admitPhoneCheck,

    async screen(ip: string | undefined, events: readonly LimitedEvent[]): Promise<Screening> {
      const refusal = await limits.admitIdentities(ip, events);
      if (refusal) return { refusal, held: new Map() };
      const held = await limits.holdBackPhones(ip, events);
      if (bot) {
        const verified = await verifyConsent(bot, events.filter(({ index }) => !held.has(index)), ip);
        for (const [index, outcome] of verified) held.set(index, outcome);
      }
      return { held };
    },
  };
}

export type AbuseGuard = ReturnType<typeof createAbuseGuard>;
