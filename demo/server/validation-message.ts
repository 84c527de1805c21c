/**
 * Turns zod issues into one message that names each offending field by its path, e.g.
 * `traits.phones.0.phoneNumber: Invalid input: expected string, received number`, so a
 * site owner can find the field without reading the schema.
 */
import type { z } from 'zod';

/** At most this many issues are listed; a body wrong everywhere would otherwise flood logs. */
const MAX_ISSUES = 5;

/** @example validationMessage(CustomEventSchema.safeParse(body).error!) */
export function validationMessage(error: z.ZodError): string {
  const parts = error.issues.slice(0, MAX_ISSUES).map((issue) => {
    const path = issue.path.map(String).join('.') || '(body)';
    return `${path}: ${issue.message}`;
  });
  const more = error.issues.length - MAX_ISSUES;
  if (more > 0) parts.push(`and ${more} more`);
  return parts.join('; ');
}
