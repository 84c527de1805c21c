/**
 * Attribution: where a visitor came from, kept as a first touch (never overwritten) and a
 * last touch, and attached to the contact as flat traits at identify. Page views are noise
 * for Regal journeys; this is what they are worth.
 *
 * Pure functions only: the client reads the page, stores the touches and calls these.
 */

// The query parameters we keep: UTM campaign tags, then the ad networks' click ids (Google
// Ads x3, Meta, Microsoft, TikTok, LinkedIn, X, Google Display & Video 360): utm_source,
// utm_medium, utm_campaign, utm_term, utm_content, utm_id, gclid, gbraid, wbraid, fbclid,
// msclkid, ttclid, li_fat_id, twclid, dclid. A regex: the smallest form of the list.
const PARAMS = /^(utm_(source|medium|campaign|term|content|id)|[gw]braid|(g|fb|tt|tw|d)clid|msclkid|li_fat_id)$/;

/** One visit that brought the visitor to the site. */
export interface Touch {
  /** The UTM parameters and click ids on the landing URL, by parameter name (lower case). */
  params: Record<string, string>;
  landingPage: string;
  /** The referring page when it is another site; '' when direct or from the same site. */
  referrer: string;
  /** When the visit started (ISO 8601). */
  timestamp: string;
}

/** The touches the client stores for a visitor. */
export interface Touches {
  first: Touch;
  last: Touch;
}

/** The URL, or undefined when it does not parse. */
const parse = (url: string) => {
  try {
    return new URL(url);
  } catch {}
};

// Host without a leading "www.", so example.com and www.example.com are one site; '' when
// the URL does not parse.
const site = (url: string) => (parse(url)?.hostname || '').replace(/^www\./, '');

/**
 * Read the attribution of the current page load: the UTM parameters and click ids in
 * `url` (parameter names matched case-insensitively, empty values skipped, values cut to
 * 300 characters), the `referrer` unless it is the same site (an internal link is not a
 * source), the `landingPage` as given and `now` as the timestamp.
 *
 * @example
 * parseAttribution('https://acme.com/?utm_source=google&gclid=abc', 'https://www.google.com/', 'https://acme.com/', now)
 * // { params: { utm_source: 'google', gclid: 'abc' }, referrer: 'https://www.google.com/', landingPage: 'https://acme.com/', timestamp: now }
 */
export function parseAttribution(url: string, referrer: string, landingPage: string, now: string): Touch {
  const params: Record<string, string> = {};
  // Not a URL: no parameters.
  parse(url)?.searchParams.forEach((value, name) => {
    name = name.toLowerCase();
    value = value.trim().slice(0, 300);
    if (value && !params[name] && PARAMS.test(name)) params[name] = value;
  });
  const ref = site(referrer);
  return { params, landingPage, referrer: ref && ref !== site(url) ? referrer : '', timestamp: now };
}

/**
 * Combine the stored touches with this page load's. The first touch is set once and never
 * replaced. The last touch is replaced only by a visit that has campaign parameters or an
 * external referrer; a direct visit or a same-site navigation keeps the earlier source
 * (the usual "last non-direct touch"). Stored data that is missing or malformed counts as
 * none.
 */
export function mergeTouches(stored: Touches | null | undefined, current: Touch): Touches {
  if (!stored || !stored.first || !stored.last) return { first: current, last: current };
  const isNew = current.referrer || Object.keys(current.params).length;
  return { first: stored.first, last: isNew ? current : stored.last };
}

/**
 * Flat contact traits for `identify` (Regal keeps each as a custom contact property):
 *
 * - `firstTouchUtmSource`, `firstTouchUtmMedium`, `firstTouchUtmCampaign`,
 *   `firstTouchUtmTerm`, `firstTouchUtmContent`, `firstTouchUtmId`,
 *   `firstTouchLandingPage`, `firstTouchReferrer`, `firstTouchTimestamp`;
 * - the same nine with `lastTouch` in place of `firstTouch`;
 * - each click id under its own name (`gclid`, `gbraid`, `wbraid`, `fbclid`, `msclkid`,
 *   `ttclid`, `li_fat_id`, `twclid`, `dclid`), the most recent value of each network.
 *
 * Only what is present is set: no empty strings, no undefined.
 *
 * @example
 * attributionTraits({ first, last }) // { firstTouchUtmSource: 'google', ..., gclid: 'abc' }
 */
export function attributionTraits(touches: Touches | null | undefined): Record<string, string> {
  const traits: Record<string, string> = {};
  for (const touch of ['first', 'last'] as const) {
    const { params, ...rest } = (touches && touches[touch]) || ({} as Touch);
    const fields: Record<string, string> = { ...params, ...rest };
    for (const name in fields) {
      // A click id keeps its name (the last touch's wins); the rest get the touch's prefix:
      // utm_source → firstTouchUtmSource, landingPage → firstTouchLandingPage.
      const clickId = params && name in params && !name.startsWith('utm_');
      if (fields[name]) traits[clickId ? name : touch + 'Touch' + name.replace(/(^|_)([a-z])/g, (_, _sep, c) => c.toUpperCase())] = fields[name];
    }
  }
  return traits;
}
