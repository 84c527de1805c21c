/**
 * The `leadFormSubmitted` example of regal-events-openapi.yaml, copied so the server can
 * print a ready-to-paste curl without reading YAML at run time. test/unit/wire/schema.test.ts
 * checks it is still equal to the OpenAPI's.
 */
import type { CustomEvent } from '../../src/wire/schema';

export const OPENAPI_EXAMPLE_EVENT: CustomEvent = {
  userId: '12345',
  traits: {
    firstName: 'Jane',
    lastName: 'Doe',
    phones: [
      {
        phoneNumber: '+15551234567',
        isPrimary: true,
        label: 'mobile',
        voiceOptIn: { subscribed: true },
        smsOptIn: { subscribed: true },
      },
    ],
    emails: [
      {
        emailAddress: 'jane.doe@example.com',
        isPrimary: true,
        emailOptIn: { subscribed: true },
      },
    ],
  },
  name: 'Lead Form Submitted',
  properties: { course: 'Intro to AI', source: 'marketing-site' },
  originalTimestamp: '2026-05-24T15:00:00Z',
  eventSource: 'Website',
};
