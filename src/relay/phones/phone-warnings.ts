/**
 * The relay's answer tells the browser (and its logs) about the phones of forwarded events
 * that Regal cannot use. The events are forwarded as they were: a warning only tells.
 */
import type { RelayEvent, RelayResult } from '../../wire/schema';
import { cannotTakeTexts, checkPhone } from './check-phone';

/** One phone of one event that Regal cannot use. */
export interface PhoneWarning {
  messageId: string;
  /**
   * `undialable_phone`: not a number of its country's plan (Regal drops it);
   * `sms_opt_in_not_mobile`: an SMS opt-in on a number that cannot receive texts (a
   * landline, a toll-free number).
   */
  code: 'undialable_phone' | 'sms_opt_in_not_mobile';
  /** For the site owner; never contains the number itself (that is `phoneNumber`). */
  message: string;
  phoneNumber: string;
}

/** What the warnings need of an event. */
export type WarnedEvent = Pick<RelayEvent, 'messageId' | 'name' | 'traits'>;

/**
 * The warnings for some events: every phone given by an identify (an event without a
 * `name`) that Regal could not dial, and every SMS opt-in given on a number that cannot
 * receive texts.
 *
 * @example
 * phoneWarnings([{ messageId: 'm1', traits: { phones: [{ phoneNumber: '+15551234567' }] } }])
 * // [{ messageId: 'm1', code: 'undialable_phone', phoneNumber: '+15551234567', message: '...' }]
 */
export function phoneWarnings(events: readonly WarnedEvent[]): PhoneWarning[] {
  const warnings: PhoneWarning[] = [];
  for (const { messageId, traits, name } of events) {
    // A named event only repeats the phone its visitor was identified with (the SDK stamps
    // every event with it): the identify that gave the number is the one warned about.
    if (name !== undefined) continue;
    for (const { phoneNumber, smsOptIn } of traits.phones ?? []) {
      const check = checkPhone(phoneNumber);
      if (!check.valid) {
        warnings.push({ messageId, code: 'undialable_phone', phoneNumber, message: `Regal cannot dial the phone of event ${messageId}: ${check.reason}` });
      } else if (smsOptIn?.subscribed === true && cannotTakeTexts(check.type)) {
        const line = check.type!.toLowerCase().replace(/_/g, ' ');
        warnings.push({ messageId, code: 'sms_opt_in_not_mobile', phoneNumber, message: `Event ${messageId} gives an SMS opt-in on a ${line} number (${check.country}), which cannot receive texts` });
      }
    }
  }
  return warnings;
}

/**
 * Adds `warnings` to `result` for the events it accepted (a rejected event's reason already
 * says what is wrong; one answered `retry` is warned about when it is accepted), and calls
 * `notify` with each. No `warnings` key when there are none, so answers without a phone
 * problem are unchanged.
 */
export function warnAccepted(result: RelayResult, events: readonly WarnedEvent[], notify: (warning: PhoneWarning) => void): void {
  const accepted = new Set(result.accepted);
  const warnings = phoneWarnings(events.filter((event) => accepted.has(event.messageId)));
  if (warnings.length === 0) return;
  result.warnings = warnings;
  for (const warning of warnings) notify(warning);
}
