import type { PageContext } from '../types';

/** The page as it is right now. Empty strings outside a browser (SSR, workers, tests). */
export function capturePage(): PageContext {
  const loc = typeof location !== 'undefined' ? location : undefined;
  const doc = typeof document !== 'undefined' ? document : undefined;
  return {
    url: loc ? loc.href : '',
    path: loc ? loc.pathname : '',
    title: doc ? doc.title : '',
    referrer: doc ? doc.referrer : '',
    search: loc ? loc.search : '',
  };
}

/**
 * The UTM parameters of a query string, under their own names (`utm_source`, ...): flat
 * keys are what a Regal journey filter can use directly.
 */
export function utmParameters(search: string): Record<string, string> {
  const utm: Record<string, string> = {};
  try {
    new URLSearchParams(search).forEach((value, key) => {
      if (key.startsWith('utm_') && value) utm[key] = value;
    });
  } catch {}
  return utm;
}
