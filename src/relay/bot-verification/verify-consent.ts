import type { RelayEvent } from '../../wire/schema';
import { rejected, retry, type Outcome } from '../forward/outcome';
import type { ForwardErrorInfo } from '../types';
import type { BotVerificationConfig } from './bot-verification-options';
import { consentSubject } from './consent-subject';
import { sha256Hex } from '../limits/sha256-hex';
import type { BotVerdict } from './verdict';

/** An event of the batch that is about to be forwarded. */
export interface ConsentEvent {
  /** Position in the batch. */
  index: number;
  messageId: string;
  event: RelayEvent;
}

/**
 * Where verified tokens are remembered (the relay's shared state): a claim while one
 * request verifies, then the verdict. Values are short strings; every key expires.
 */
export interface TokenLedger {
  /** Sets `key` to `value` for `ttlMs` unless it exists; `null` when set, else the value it holds. */
  claim(key: string, value: string, ttlMs: number): Promise<string | null>;
  put(key: string, value: string, ttlMs: number): Promise<void>;
  drop(key: string): Promise<void>;
}

export interface ConsentCheckDeps {
  config: BotVerificationConfig;
  ledger: TokenLedger;
  report(info: ForwardErrorInfo): void;
  /** Counts an outcome of verification, e.g. `count('failed')`. */
  count(outcome: 'passed' | 'failed' | 'missing' | 'unavailable' | 'reused'): void;
  /** Verifications running in this process, by ledger key: a second request joins the first. */
  running: Map<string, Promise<LedgerVerdict>>;
}

/**
 * How long a verdict is remembered. A token is single-use at the provider, yet the SDK
 * sends the same token again with every resend of its event (a beacon and its retry, a
 * batch answered `retry` while Regal was down, for as long as the browser keeps it): the
 * relay answers those from here. As long as the dedupe window, so a resend that is still
 * deduped is also still verified.
 */
export const VERDICT_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * How long a claim holds while the provider is asked: past the verify timeout, so that a
 * crashed instance's claim expires and the resend verifies again (Turnstile's idempotency
 * key makes asking twice safe).
 */
const CLAIM_TTL_MS = 30_000;

const PENDING = 'pending';

/**
 * Decides, for the events of a batch that carry an opt-in, whether they may be forwarded:
 * the outcome of each one that may not (`rejected` or `retry`), by batch index. Events not
 * in the answer go on.
 *
 * One token vouches for one visitor's consent: the events sharing a token must name at
 * most one phone and one email in their opt-ins, and a token that already vouched for
 * someone cannot vouch for someone else. So solving one challenge buys one lead, however
 * the token is replayed, while the SDK's resends of that lead are answered from the
 * ledger instead of failing at the provider as duplicates.
 *
 * Never rejects: a ledger failure makes the events `retry` (never forwarded unverified).
 */
export async function verifyConsent(deps: ConsentCheckDeps, events: readonly ConsentEvent[], ip: string | undefined): Promise<Map<number, Outcome>> {
  const outcomes = new Map<number, Outcome>();
  const byToken = new Map<string, ConsentEvent[]>();
  const { config } = deps;
  for (const item of events) {
    const subject = consentSubject(item.event);
    if (subject.phones.length === 0 && subject.emails.length === 0) continue;
    const token = typeof item.event.botToken === 'string' ? item.event.botToken.trim() : '';
    if (token === '') {
      deps.count('missing');
      refuse(deps, outcomes, [item], `bot verification: this event carries an opt-in but no ${config.name} token. Put the widget inside the form that collects consent (the SDK reads its token at submit) or pass { botToken } to identify()`);
      continue;
    }
    const group = byToken.get(token);
    if (group) group.push(item);
    else byToken.set(token, [item]);
  }
  await Promise.all([...byToken].map(([token, group]) => verifyGroup(deps, outcomes, token, group, ip)));
  return outcomes;
}

async function verifyGroup(deps: ConsentCheckDeps, outcomes: Map<number, Outcome>, token: string, group: ConsentEvent[], ip: string | undefined): Promise<void> {
  const phones = new Set<string>();
  const emails = new Set<string>();
  for (const { event } of group) {
    const subject = consentSubject(event);
    subject.phones.forEach((phone) => phones.add(phone));
    subject.emails.forEach((email) => emails.add(email));
  }
  if (phones.size > 1 || emails.size > 1) {
    deps.count('reused');
    refuse(deps, outcomes, group, `bot verification: one token vouches for one visitor's consent, and this batch uses one for ${phones.size} phone numbers and ${emails.size} email addresses`);
    return;
  }
  try {
    const ids = [...[...phones].map((p) => `p:${p}`), ...[...emails].map((e) => `e:${e}`)];
    const subject = ids.map((id) => sha256Hex(id).slice(0, 16));
    const key = `bot:${sha256Hex(token).slice(0, 32)}`;
    const verdict = await ledgerVerdict(deps, key, token, ip, subject.join(','));
    if (verdict.value === PENDING) {
      if (deps.config.required) answer(outcomes, group, retry('bot verification of this token is under way in another request'));
    } else if (verdict.value.startsWith('ok:')) {
      const vouched = verdict.value.slice(3).split(',');
      if (subject.every((id) => vouched.includes(id))) {
        deps.count('passed');
      } else {
        deps.count('reused');
        refuse(deps, outcomes, group, `bot verification: this ${deps.config.name} token already vouched for another visitor's consent; tokens are single-use`);
      }
    } else if (verdict.value.startsWith('no:')) {
      deps.count('failed');
      refuse(deps, outcomes, group, `bot verification failed: ${verdict.value.slice(3)}`);
    } else {
      // No answer: never a reason to drop a lead, never a reason to forward it unverified.
      deps.count('unavailable');
      const reason = `bot verification unavailable: ${verdict.value.slice(3)}`;
      for (const { messageId } of group) deps.report({ messageId, attempt: 0, error: verdict.error, reason, willRetry: false });
      if (deps.config.required) answer(outcomes, group, retry(reason));
    }
  } catch (error) {
    const reason = `bot verification: the relay's state failed: ${error instanceof Error ? error.message : String(error)}`;
    for (const { messageId } of group) deps.report({ messageId, attempt: 0, error, reason, willRetry: false });
    if (deps.config.required) answer(outcomes, group, retry(reason));
  }
}

export interface LedgerVerdict {
  /** `pending`, `ok:<subject>`, `no:<reason>`, or `na:<reason>` (no answer; not remembered). */
  value: string;
  error?: unknown;
}

/**
 * The verdict on a token: from the ledger when another request has (or is) verifying it,
 * else from the provider, remembered with the consent it vouched for.
 */
function ledgerVerdict(deps: ConsentCheckDeps, key: string, token: string, ip: string | undefined, subject: string): Promise<LedgerVerdict> {
  const running = deps.running.get(key);
  if (running) return running;
  const job = (async (): Promise<LedgerVerdict> => {
    const held = await deps.ledger.claim(key, PENDING, CLAIM_TTL_MS);
    if (held !== null) return { value: held };
    let verdict: BotVerdict;
    try {
      verdict = await deps.config.check(token, ip);
    } catch (error) {
      verdict = { status: 'unavailable', reason: error instanceof Error ? error.message : String(error), error };
    }
    if (verdict.status === 'unavailable') {
      // Released, so that the resend asks again instead of waiting out the claim.
      await deps.ledger.drop(key);
      return { value: `na:${verdict.reason}`, error: verdict.error };
    }
    const value = verdict.status === 'passed' ? `ok:${subject}` : `no:${verdict.reason}`;
    await deps.ledger.put(key, value, VERDICT_TTL_MS);
    return { value };
  })();
  deps.running.set(key, job);
  const forget = () => {
    if (deps.running.get(key) === job) deps.running.delete(key);
  };
  job.then(forget, forget);
  return job;
}

/** `rejected` when verification is required; otherwise only reported (a dry run). */
function refuse(deps: ConsentCheckDeps, outcomes: Map<number, Outcome>, group: readonly ConsentEvent[], reason: string): void {
  const enforced = deps.config.required;
  const shown = enforced ? reason : `${reason} (not enforced: botVerification.required is false)`;
  for (const { messageId } of group) deps.report({ messageId, attempt: 0, reason: shown, willRetry: false });
  if (enforced) answer(outcomes, group, rejected(reason));
}

function answer(outcomes: Map<number, Outcome>, group: readonly ConsentEvent[], outcome: Outcome): void {
  for (const { index } of group) outcomes.set(index, outcome);
}
