import type { CustomEvent, RelayEvent } from '../../wire/schema';

/**
 * The top-level fields Regal's `CustomEvent` takes. Everything else at the top level is
 * dropped before forwarding: `messageId` (the relay's dedupe key; Regal has no use for
 * it) and anything an SDK or a proxy added (`anonymousId`, `context`, `sentAt`...), which
 * Regal would store or reject unpredictably. Nested objects are forwarded as they are:
 * unknown keys in `traits` are custom contact properties, `properties` is free-form.
 */
export const REGAL_EVENT_FIELDS = ['userId', 'traits', 'name', 'properties', 'originalTimestamp', 'eventSource'] as const;

/**
 * The event as Regal receives it: Regal's fields only, and on each opt-in (`voiceOptIn`,
 * `smsOptIn`, `emailOptIn`) the visitor's `ip` as the relay sees it, because the consent
 * record should say where consent was given and only the server sees the address. An
 * `ip` the page put there is overwritten (or removed when the relay knows no address): a
 * script must not be able to forge where consent came from.
 *
 * Mutates the opt-in objects of `event`: the relay owns them (they come from its own
 * JSON.parse and zod), and copying every phone of every event would cost allocations on
 * the hot path for nothing.
 *
 * @example
 * toUpstreamEvent({ messageId: 'm1', traits: { phones: [{ phoneNumber: '+15551234567', smsOptIn: { subscribed: true, ip: '6.6.6.6' } }] } }, '203.0.113.7')
 * // { traits: { phones: [{ phoneNumber: '+15551234567', smsOptIn: { subscribed: true, ip: '203.0.113.7' } }] } }
 */
export function toUpstreamEvent(event: RelayEvent, ip: string | undefined): CustomEvent {
  const upstream: Record<string, unknown> = {};
  for (const field of REGAL_EVENT_FIELDS) {
    if (event[field] !== undefined) upstream[field] = event[field];
  }
  stampIp(event.traits, ip);
  return upstream as CustomEvent;
}

function stampIp(traits: CustomEvent['traits'], ip: string | undefined): void {
  if (traits.phones) {
    for (const phone of traits.phones) {
      stampOptIn(phone.voiceOptIn, ip);
      stampOptIn(phone.smsOptIn, ip);
    }
  }
  if (traits.emails) {
    for (const email of traits.emails) stampOptIn(email.emailOptIn, ip);
  }
}

function stampOptIn(optIn: Record<string, unknown> | undefined, ip: string | undefined): void {
  if (optIn == null) return;
  if (ip === undefined) delete optIn.ip;
  else optIn.ip = ip;
}
