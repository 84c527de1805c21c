/**
 * The public types of regal-browser. The implementation lives in `client/`; these are
 * kept apart so that the entry points, forms and tests can depend on the shape alone.
 */
import type { ContactTraits, CustomEvent, EmailTrait, PhoneTrait } from '../wire/schema';

export type { ContactTraits, CustomEvent, EmailTrait, PhoneTrait };

/** Free-form event properties. Values are made JSON-safe at call time. */
export type Properties = Record<string, unknown>;

/**
 * Declare your events to get compile-time checking of `track` (no runtime cost):
 *
 * @example
 * type MyEvents = { 'Lead Form Submitted': { course: string }; 'CTA Clicked': { label: string } };
 * const regal = createRegal<MyEvents>({ endpoint: '/regal' });
 * regal.track('CTA Clicked', { label: 'Get a quote' }); // checked
 */
export type EventMap = Record<string, Properties>;

/** What `identify` accepts: Regal's own trait shapes plus the shorthands other SDKs use. */
export interface IdentifyTraits extends Omit<ContactTraits, 'phones' | 'emails'> {
  /** Shorthand for one phone (becomes primary unless `phones` names a primary). */
  phone?: string;
  /** Shorthand for one email. */
  email?: string;
  /** Split into firstName / lastName when those are not given. */
  name?: string;
  firstName?: string;
  lastName?: string;
  phones?: Array<Partial<PhoneTrait> & { phoneNumber: string }>;
  emails?: Array<Partial<EmailTrait> & { emailAddress: string }>;
  [key: string]: unknown;
}

/** The page as it was when a call was made (captured then, not when sent). */
export interface PageContext {
  url: string;
  path: string;
  title: string;
  referrer: string;
  search: string;
}

/** Per-call options (Segment-compatible where the names overlap). */
export interface CallOptions {
  /** The moment the event happened; defaults to the call time. */
  timestamp?: Date | string;
  /** Overrides of what the library captures itself, e.g. the page of a replayed call. */
  context?: { page?: Partial<PageContext> };
  /** Override the anonymous id for this call only. */
  anonymousId?: string;
  /**
   * `identify` only: the token of the bot-verification widget (Turnstile, reCAPTCHA,
   * hCaptcha) on the form where the visitor gave consent, for a relay configured with
   * `botVerification`; it never reaches Regal. `trackForm` passes it itself.
   */
  botToken?: string;
}

/** Called once the event is stored (err is null) or was refused (err set). */
export type Callback = (err: RegalError | null) => void;

/** Why an event was dropped; every drop is counted under its reason in `stats()`. */
export type DropReason =
  | 'invalid' //      bad input: never stored
  | 'overflow' //     past the queue's count or byte cap, oldest first
  | 'expired' //      older than the queue's maximum age
  | 'rejected' //     the server refused it for good (4xx other than 408/429)
  | 'reset' //        held for an anonymous visitor that reset() left behind
  | 'opted-out'; //   the visitor opted out of tracking

/** Machine-readable error codes delivered through `onError` and `on('error')`. */
export type ErrorCode =
  | 'invalid_event_name'
  | 'invalid_properties'
  | 'invalid_phone'
  | 'invalid_email'
  | 'invalid_traits'
  /** The relay's phone check: Regal cannot dial the number (the event was delivered). */
  | 'undialable_phone'
  /** The relay's phone check: an SMS opt-in on a number that cannot receive texts. */
  | 'sms_opt_in_not_mobile'
  | 'invalid_options'
  | 'storage_unavailable'
  | 'delivery_failed'
  | 'event_rejected'
  | 'events_dropped'
  | 'internal';

/** The one error type the library reports. It is never thrown at the caller. */
export interface RegalError extends Error {
  name: 'RegalError';
  code: ErrorCode;
  /** The offending input, where there is one (e.g. the phone that could not be parsed). */
  value?: unknown;
  /** HTTP status of a failed delivery. */
  status?: number;
}

export interface DeliveredInfo {
  messageIds: string[];
}
export interface DroppedInfo {
  reason: DropReason;
  count: number;
  messageIds: string[];
}

export interface RegalEvents {
  delivered: DeliveredInfo;
  dropped: DroppedInfo;
  error: RegalError;
}

export interface Stats {
  /** Stored, waiting for the visitor to become contactable. */
  held: number;
  /** Stored and waiting to be sent (or being sent). */
  queued: number;
  delivered: number;
  dropped: Record<DropReason, number>;
  /** Whether storage is IndexedDB ('indexeddb') or fell back to memory ('memory'). */
  storage: 'indexeddb' | 'memory' | 'none';
}

export interface RegalOptions {
  /** Where events go. Relay mode: a first-party path such as `/regal` (resolved against the
   * page). Direct mode: Regal's `https://events.regalvoice.com/events` by default. */
  endpoint?: string;
  /** `relay` (default, recommended) or `direct`. */
  mode?: 'relay' | 'direct';
  /** Direct mode only. WARNING: anything on a public page is public; this exposes your key. */
  apiKey?: string;
  /** `eventSource` of every event. Default `Website`. */
  eventSource?: string;
  /** ISO 3166 country for numbers written without a country code. Default `US`. */
  defaultCountry?: string;
  /** Hold events until the visitor has a phone or an email. Default true. */
  holdUntilContactable?: boolean;
  /** Queue caps: oldest dropped first past either; events older than maxAgeMs dropped. */
  maxEvents?: number;
  maxBytes?: number;
  maxAgeMs?: number;
  /** Batch limits (relay mode). */
  batchSize?: number;
  batchBytes?: number;
  /** Milliseconds to wait for more events before sending. Default 250. */
  flushIntervalMs?: number;
  /** Start opted out of tracking until `optIn()` (e.g. until a consent banner says yes). */
  optedOut?: boolean;
  /** When opted out: `drop` events (default) or keep them in `memory` until `optIn()`. */
  optedOutStorage?: 'drop' | 'memory';
  /** Respect Global Privacy Control / Do Not Track by starting opted out. Default false. */
  respectGlobalPrivacyControl?: boolean;
  respectDoNotTrack?: boolean;
  /** Capture UTM parameters and click ids on landing. Default true. */
  captureAttribution?: boolean;
  /** Log what happens to the console (never PII values). Default false. */
  debug?: boolean;
  /** Receives every error the library reports. */
  onError?: (error: RegalError) => void;
  /** IndexedDB database name; change it to run two independent clients on one origin. */
  storageName?: string;
  /**
   * The visitor cookie, which makes the subdomains of a site one visitor: `'auto'` (default)
   * keeps it on the registrable domain (`example.com` for `www.example.com`), or give the
   * domain, or `false` for one visitor per origin and no cookie.
   */
  cookieDomain?: string | false;
}

/** The user as the library knows them. */
export interface UserInfo {
  anonymousId: string;
  userId: string | null;
  traits: ContactTraits;
}

/** A promise that settles when the call is stored, with `delivered` for when it was sent. */
export interface CallResult extends Promise<void> {
  /** Resolves true when the event was accepted by the endpoint (sent by this tab or, having
   * left the shared queue, by another), false if this tab dropped it. */
  delivered: Promise<boolean>;
}

export interface RegalClient<E extends EventMap = EventMap> {
  track<K extends keyof E & string>(name: K, properties?: E[K], options?: CallOptions | Callback, callback?: Callback): CallResult;
  page(category?: string | Properties | Callback, name?: string | Properties | CallOptions | Callback, properties?: Properties | CallOptions | Callback, options?: CallOptions | Callback, callback?: Callback): CallResult;
  screen(name?: string | Properties | Callback, properties?: Properties | CallOptions | Callback, options?: CallOptions | Callback, callback?: Callback): CallResult;
  identify(userId?: string | IdentifyTraits | null | Callback, traits?: IdentifyTraits | CallOptions | Callback, options?: CallOptions | Callback, callback?: Callback): CallResult;
  /** Forget the visitor: new anonymous id, no userId or traits; held events are dropped. */
  reset(): Promise<void>;
  /** Send what is queued now. With `keepalive`, the requests survive a navigation. */
  flush(options?: { keepalive?: boolean }): Promise<void>;
  /** Resolves once storage has loaded and calls made before it have been applied. */
  ready(): Promise<void>;
  user(): UserInfo;
  on<K extends keyof RegalEvents>(event: K, fn: (info: RegalEvents[K]) => void): () => void;
  stats(): Stats;
  optOut(): void;
  optIn(): void;
  /** Stop timers and listeners (tests, SPA teardown). Stored events stay stored. */
  destroy(): void;
}
