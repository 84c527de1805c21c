/**
 * How much one client may send through the relay. The defaults are far above what a
 * person's browser sends (the SDK batches a busy visitor's events into a few requests a
 * minute, and a visitor gives one phone and one email), and far below what a script needs
 * to fill an account with strangers' numbers.
 */
export interface ClientLimitOptions {
  /**
   * Batches (requests) per client IP per minute: a bucket of this many that refills
   * continuously. Over it: 429 with `Retry-After`. Default 600.
   */
  batchesPerMinute?: number;
  /**
   * Phone numbers and email addresses not seen from this client IP within the last minute
   * (each counts once, however many events carry it). Over it: 429 with `Retry-After`.
   * Default 20.
   */
  newIdentitiesPerMinute?: number;
  /** The same within the last hour. Default 200. */
  newIdentitiesPerHour?: number;
  /**
   * Client IPs one phone number may be identified from within an hour. Events naming it
   * from a further IP are held back: answered `rejected`, reported, not forwarded. Default 5.
   */
  ipsPerPhonePerHour?: number;
  /**
   * Phone checks (`POST <relay>/phone-check`, a form's `phoneCheck`) per client IP per
   * minute: a bucket of this many that refills continuously. Over it: 429 with
   * `Retry-After` (the form is simply not told). Default 60: a visitor checks a number a
   * few times, a script that uses the relay as a free number validator many times more.
   */
  phoneChecksPerMinute?: number;
}

/** Every limit, checked; `Infinity` where a limit is off. */
export type ClientLimits = Required<ClientLimitOptions>;

export const DEFAULT_CLIENT_LIMITS: ClientLimits = {
  batchesPerMinute: 600,
  newIdentitiesPerMinute: 20,
  newIdentitiesPerHour: 200,
  ipsPerPhonePerHour: 5,
  phoneChecksPerMinute: 60,
};

const OFF: ClientLimits = { batchesPerMinute: Infinity, newIdentitiesPerMinute: Infinity, newIdentitiesPerHour: Infinity, ipsPerPhonePerHour: Infinity, phoneChecksPerMinute: Infinity };

/**
 * `limits` as given to `createRelay`: `undefined` for the defaults, `false` for none, or
 * some limits (the others keep their defaults; `Infinity` turns one off). Throws at
 * startup on a value that is not a whole number of at least 1.
 */
export function resolveClientLimits(options: ClientLimitOptions | false | undefined): ClientLimits {
  if (options === false) return OFF;
  if (options === undefined) return DEFAULT_CLIENT_LIMITS;
  if (options === null || typeof options !== 'object') throw new TypeError(`createRelay: limits must be an object such as { batchesPerMinute: 600 }, or false, got ${String(options)}`);
  const limits = { ...DEFAULT_CLIENT_LIMITS };
  for (const name of Object.keys(options) as Array<keyof ClientLimitOptions>) {
    if (!(name in DEFAULT_CLIENT_LIMITS)) throw new TypeError(`createRelay: limits.${name} is not a limit; the limits are ${Object.keys(DEFAULT_CLIENT_LIMITS).join(', ')}`);
    const value = options[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !(value >= 1) || (Number.isFinite(value) && !Number.isInteger(value))) {
      throw new RangeError(`createRelay: limits.${name} must be a whole number of at least 1 (or Infinity to turn it off), got ${String(value)}`);
    }
    limits[name] = value;
  }
  return limits;
}
