/**
 * The wire format, as zod schemas mirroring `regal-events-openapi.yaml` field by field.
 *
 * These schemas are the single source of the wire types: everything else imports the
 * inferred types (`import type`), so zod's runtime only reaches code that validates at run
 * time (the relay and the reference server), never the script-tag bundle.
 *
 * Objects are "loose" (unknown keys pass through) because the OpenAPI never sets
 * `additionalProperties: false`, and in JSON Schema that means extra keys are allowed.
 * Regal relies on that: opt-ins also carry `text` (consent wording) and `ip`.
 *
 * @example
 * import { CustomEventSchema } from 'regal-browser/schema'
 * const result = CustomEventSchema.safeParse(body)
 */
import { z } from 'zod';

/** `{subscribed, timestamp, source}` for one phone or email channel. */
export const OptInStateSchema = z.looseObject({
  subscribed: z.boolean().optional(),
  timestamp: z.string().optional(),
  source: z.string().optional(),
});

export const PhoneTraitSchema = z.looseObject({
  phoneNumber: z.string(),
  isPrimary: z.boolean().optional(),
  label: z.string().optional(),
  voiceOptIn: OptInStateSchema.optional(),
  smsOptIn: OptInStateSchema.optional(),
});

export const EmailTraitSchema = z.looseObject({
  emailAddress: z.string(),
  isPrimary: z.boolean().optional(),
  label: z.string().optional(),
  emailOptIn: OptInStateSchema.optional(),
});

export const AddressSchema = z.looseObject({
  street: z.string().optional(),
  city: z.string().optional(),
  state: z.string().optional(),
  zipcode: z.string().optional(),
  country: z.string().optional(),
});

/** Identifiers and attributes of the contact; any extra key is a custom contact property. */
export const ContactTraitsSchema = z.looseObject({
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  phones: z.array(PhoneTraitSchema).optional(),
  emails: z.array(EmailTraitSchema).optional(),
  address: AddressSchema.optional(),
});

/** One event as Regal's `POST /events` takes it. `traits` is the only required field. */
export const CustomEventSchema = z.looseObject({
  userId: z.string().optional(),
  traits: ContactTraitsSchema,
  name: z.string().optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
  originalTimestamp: z.string().optional(),
  eventSource: z.string().optional(),
});

/** The OpenAPI `Error` body of every non-200 answer. */
export const ErrorSchema = z.looseObject({
  message: z.string().optional(),
  code: z.string().optional(),
});

export type OptInState = z.infer<typeof OptInStateSchema>;
export type PhoneTrait = z.infer<typeof PhoneTraitSchema>;
export type EmailTrait = z.infer<typeof EmailTraitSchema>;
export type Address = z.infer<typeof AddressSchema>;
export type ContactTraits = z.infer<typeof ContactTraitsSchema>;
export type CustomEvent = z.infer<typeof CustomEventSchema>;
export type ErrorBody = z.infer<typeof ErrorSchema>;

// ---------------------------------------------------------------------------------------
// The browser <-> relay envelope. Not part of Regal's API: the SDK batches events to a
// first-party relay, which forwards them one by one to Regal.

/**
 * A CustomEvent as the SDK sends it to the relay: with the `messageId` the relay dedupes
 * on, and, on an event that carries consent from a form with a bot-verification widget
 * (Turnstile, reCAPTCHA, hCaptcha), the widget's `botToken`. The relay verifies the token
 * and strips both: Regal never receives them.
 */
export const RelayEventSchema = CustomEventSchema.extend({
  messageId: z.string().min(1).max(100),
  botToken: z.string().optional(),
});

/** The body the SDK posts to the relay (as `text/plain` or `application/json`). */
export const RelayBatchSchema = z.object({
  batch: z.array(z.unknown()).min(1),
  sentAt: z.string().optional(),
});

/**
 * The relay's answer: every messageId of the batch lands in exactly one list.
 * `rejected` is final (the SDK drops and reports it); `retry` should be sent again later.
 */
export const RelayResultSchema = z.object({
  accepted: z.array(z.string()),
  rejected: z.array(z.object({ messageId: z.string(), reason: z.string() })),
  retry: z.array(z.string()),
  /**
   * Accepted events whose phone Regal cannot use (forwarded all the same), per messageId:
   * `undialable_phone` or `sms_opt_in_not_mobile`. Absent when there are none.
   */
  warnings: z
    .array(z.object({ messageId: z.string(), code: z.enum(['undialable_phone', 'sms_opt_in_not_mobile']), message: z.string(), phoneNumber: z.string() }))
    .optional(),
});

export type RelayEvent = z.infer<typeof RelayEventSchema>;
export type RelayBatch = z.infer<typeof RelayBatchSchema>;
export type RelayResult = z.infer<typeof RelayResultSchema>;
