import type { RelayEvent } from '../../wire/schema';

/**
 * Whose consent an event carries: the phone numbers with a `voiceOptIn` or `smsOptIn`, and
 * the email addresses (lower-cased) with an `emailOptIn`. An opt-in counts whatever it says
 * (`subscribed: false` too): forged opt-outs would unsubscribe strangers.
 *
 * @example
 * consentSubject({ traits: { phones: [{ phoneNumber: '+15551234567', smsOptIn: { subscribed: true } }] } })
 * // { phones: ['+15551234567'], emails: [] }
 */
export function consentSubject(event: Pick<RelayEvent, 'traits'>): { phones: string[]; emails: string[] } {
  const phones: string[] = [];
  const emails: string[] = [];
  for (const phone of event.traits.phones ?? []) {
    if ((phone.voiceOptIn != null || phone.smsOptIn != null) && !phones.includes(phone.phoneNumber)) phones.push(phone.phoneNumber);
  }
  for (const email of event.traits.emails ?? []) {
    const address = email.emailAddress.toLowerCase();
    if (email.emailOptIn != null && !emails.includes(address)) emails.push(address);
  }
  return { phones, emails };
}

/** Whether the event carries any opt-in (and so needs a verified token when one is required). */
export function carriesConsent(event: Pick<RelayEvent, 'traits'>): boolean {
  const { phones, emails } = consentSubject(event);
  return phones.length > 0 || emails.length > 0;
}
