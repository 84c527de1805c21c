import type { StoredIdentity } from './identity-store';
import { mergeTouches, parseAttribution } from './attribution';

/**
 * At load: merges where this page load came from (its campaign parameters, an external
 * referrer) into the visitor's touches. Returns true when that changed them (the identity
 * must then be stored).
 */
export function captureAttribution(identity: StoredIdentity): boolean {
  if (typeof location === 'undefined') return false;
  try {
    const before = JSON.stringify(identity.touches);
    identity.touches = mergeTouches(identity.touches, parseAttribution(location.href, document.referrer, location.href, new Date().toISOString()));
    return JSON.stringify(identity.touches) !== before;
  } catch {
    return false;
  }
}
