import type { RelayEvent } from '../../wire/schema';
import { rejected, type Outcome } from '../forward/outcome';
import type { ForwardErrorInfo } from '../types';
import type { ClientLimits } from './client-limit-options';
import { ipGroup } from './ip-group';
import type { LimitAnswer, LimitState } from './limit-state';
import { sha256Hex } from './sha256-hex';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** What the limits count, for metrics. */
export type LimitKind = 'batches' | 'identities' | 'phone_velocity' | 'phone_checks';

export interface ClientLimitDeps {
  limits: ClientLimits;
  state: LimitState;
  now(): number;
  report(info: ForwardErrorInfo): void;
  /** Counts one refusal: a batch answered 429, or an event held back. */
  count(kind: LimitKind): void;
}

/** A refusal of the whole batch: the status and message of the answer. */
export interface LimitRefusal extends LimitAnswer {
  readonly message: string;
}

/** An event of the batch about to be forwarded. */
export interface LimitedEvent {
  index: number;
  messageId: string;
  event: RelayEvent;
}

/**
 * The per-client limits, keyed by the client's IP (an IPv6 client by its /64). With no
 * client IP (a handler given none, and no `trustProxy`), there is nothing to count by, and
 * every check allows.
 *
 * @example
 * const limits = createClientLimits({ limits: DEFAULT_CLIENT_LIMITS, state, now, report, count })
 * const refusal = await limits.admitBatch(ip)            // before reading the body
 * const refusal2 = await limits.admitIdentities(ip, events) // before forwarding
 * const heldBack = await limits.holdBackPhones(ip, events)  // index → rejected
 */
export function createClientLimits(deps: ClientLimitDeps) {
  const { limits, state } = deps;

  const refuse = (kind: LimitKind, answer: LimitAnswer, message: string): LimitRefusal => {
    deps.count(kind);
    deps.report({ messageId: '', attempt: 0, status: 429, reason: message, willRetry: false });
    return { ...answer, message };
  };

  return {
    /** One batch from `ip`: `undefined` when allowed, else the 429 to answer. */
    async admitBatch(ip: string | undefined): Promise<LimitRefusal | undefined> {
      if (ip === undefined || limits.batchesPerMinute === Infinity) return undefined;
      const answer = await state.hit(`limit:batches:{${ipGroup(ip)}}`, MINUTE, limits.batchesPerMinute, deps.now());
      if (answer.allowed) return undefined;
      return refuse('batches', answer, `Too many batches from this client: more than ${limits.batchesPerMinute} a minute (limits.batchesPerMinute). Send them again after Retry-After.`);
    },

    /** One phone check from `ip`: `undefined` when allowed, else the 429 to answer. */
    async admitPhoneCheck(ip: string | undefined): Promise<LimitRefusal | undefined> {
      if (ip === undefined || limits.phoneChecksPerMinute === Infinity) return undefined;
      const answer = await state.hit(`limit:phone-checks:{${ipGroup(ip)}}`, MINUTE, limits.phoneChecksPerMinute, deps.now());
      if (answer.allowed) return undefined;
      return refuse('phone_checks', answer, `Too many phone checks from this client: more than ${limits.phoneChecksPerMinute} a minute (limits.phoneChecksPerMinute). Check again after Retry-After.`);
    },

    /**
     * The phone numbers and email addresses of `events`, counted for `ip`: all of them
     * admitted, or the 429 to answer (then none is counted, and nothing is forwarded).
     */
    async admitIdentities(ip: string | undefined, events: readonly LimitedEvent[]): Promise<LimitRefusal | undefined> {
      if (ip === undefined || (limits.newIdentitiesPerMinute === Infinity && limits.newIdentitiesPerHour === Infinity)) return undefined;
      const identities = new Set<string>();
      for (const { event } of events) {
        for (const phone of event.traits.phones ?? []) identities.add(`p:${phone.phoneNumber}`);
        for (const email of event.traits.emails ?? []) identities.add(`e:${email.emailAddress.toLowerCase()}`);
      }
      if (identities.size === 0) return undefined;
      const group = ipGroup(ip);
      const windows = [];
      if (limits.newIdentitiesPerMinute !== Infinity) windows.push({ windowMs: MINUTE, limit: limits.newIdentitiesPerMinute });
      if (limits.newIdentitiesPerHour !== Infinity) windows.push({ windowMs: HOUR, limit: limits.newIdentitiesPerHour });
      const members = [...identities].map(digest);
      // Known for a day: a visitor's phone on every event they send is one identity, not one a minute.
      const answer = await state.admitNew({ knownKey: `limit:ids-known:{${group}}`, knownMs: DAY, newKey: `limit:ids-new:{${group}}`, windows }, members, deps.now());
      if (answer.allowed) return undefined;
      return refuse(
        'identities',
        answer,
        `Too many new phone numbers and email addresses from this client: more than ${limits.newIdentitiesPerMinute} a minute (limits.newIdentitiesPerMinute) or ${limits.newIdentitiesPerHour} an hour (limits.newIdentitiesPerHour). Send them again after Retry-After.`,
      );
    },

    /**
     * Phone velocity: events naming a phone number that more than `ipsPerPhonePerHour`
     * other client IPs named within the hour are held back (index → `rejected`). Such a
     * number is being sprayed from many machines (SMS pumping, a botnet filling in a
     * stranger's number); the IPs that named it first keep working.
     */
    async holdBackPhones(ip: string | undefined, events: readonly LimitedEvent[]): Promise<Map<number, Outcome>> {
      const held = new Map<number, Outcome>();
      if (ip === undefined || limits.ipsPerPhonePerHour === Infinity) return held;
      const phones = new Set<string>();
      for (const { event } of events) for (const phone of event.traits.phones ?? []) phones.add(phone.phoneNumber);
      if (phones.size === 0) return held;
      const group = ipGroup(ip);
      const now = deps.now();
      const refused = new Set<string>();
      await Promise.all(
        [...phones].map(async (phone) => {
          const key = `limit:phone-ips:{${digest(`p:${phone}`)}}`;
          const answer = await state.admit([{ key, windowMs: HOUR, limit: limits.ipsPerPhonePerHour }], [group], now);
          if (!answer.allowed) refused.add(phone);
        }),
      );
      if (refused.size === 0) return held;
      const reason = `phone velocity: this phone number was identified from more than ${limits.ipsPerPhonePerHour} client IPs within an hour (limits.ipsPerPhonePerHour); held back as likely SMS pumping or a stranger's number, not forwarded`;
      const outcome = rejected(reason);
      for (const { index, messageId, event } of events) {
        if (!(event.traits.phones ?? []).some((phone) => refused.has(phone.phoneNumber))) continue;
        held.set(index, outcome);
        deps.count('phone_velocity');
        deps.report({ messageId, attempt: 0, reason, willRetry: false });
      }
      return held;
    },
  };
}

export type ClientLimitChecks = ReturnType<typeof createClientLimits>;

/** A member or key for a phone or email: its digest, never the value itself. */
function digest(identity: string): string {
  return sha256Hex(identity).slice(0, 24);
}

