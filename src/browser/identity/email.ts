/**
 * Normalise an email address as typed into a form, or `null` when it is not one.
 *
 * Trimmed, the domain lower-cased (domains are case-insensitive; the local part may not
 * be, so it is kept as typed). The check is the shape only, not RFC 5322: one `@`, a
 * non-empty local part, a domain of dot-separated non-empty labels, no whitespace, at most
 * 254 characters (the longest address SMTP can carry).
 *
 * @example
 * normalizeEmail('  Jane.Doe@Example.COM ') // 'Jane.Doe@example.com'
 * normalizeEmail('jane@localhost')          // null: no dot in the domain
 */
export function normalizeEmail(input: string): string | null {
  const s = typeof input === 'string' ? input.trim() : '';
  return s.length <= 254 && /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(s) ? s.replace(/@.+/, (domain) => domain.toLowerCase()) : null;
}
