/** `endpoint` as an absolute URL (a path is resolved against the page); as given when it
 * does not parse. */
export function resolveUrl(endpoint: string): string {
  try {
    return new URL(endpoint, typeof location !== 'undefined' ? location.href : undefined).href;
  } catch {
    return endpoint;
  }
}
