import { RelayEventSchema } from '../../wire/schema';
import type { ForwardJob } from '../forward/forward-batch';
import { rejected, type Outcome } from '../forward/outcome';
import { toUpstreamEvent } from './strip';
import { identityKeys } from '../forward/visitor-groups';
import type { LimitedEvent } from '../limits/client-limits';

/** A batch split into what to forward and what is already answered. */
export interface PreparedBatch {
  /**
   * Per batch position, the messageId to answer with; `null` for a repeat of a messageId
   * earlier in the same batch (the first occurrence decides, and the id is answered once).
   */
  ids: Array<string | null>;
  /** Per batch position, the outcome known so far (rejections by validation). */
  outcomes: Array<Outcome | undefined>;
  jobs: ForwardJob[];
  /** The valid events, parsed, for the checks that run before forwarding (limits, bot verification). */
  events: LimitedEvent[];
}

/**
 * Validates each event with `RelayEventSchema` and prepares the valid ones for Regal
 * (stripped, `ip` stamped, serialized once).
 *
 * An invalid event is `rejected` with a reason naming its position and the failing
 * fields: `batch[3]: traits: Invalid input: expected object, received undefined`. It is
 * answered under its `messageId` when that is a string, even an invalid one (too long, so
 * the SDK can still match it), and under `''` when there is no string messageId at all:
 * such an event cannot be matched to anything the browser holds, and a `''` entry is how
 * the browser learns that its batch held one.
 *
 * Events without a phone, email or userId are forwarded: Regal accepts them (unresolved).
 */
export function prepareBatch(batch: readonly unknown[], ip: string | undefined): PreparedBatch {
  const ids: Array<string | null> = new Array(batch.length);
  const outcomes: Array<Outcome | undefined> = new Array(batch.length);
  const jobs: ForwardJob[] = [];
  const events: LimitedEvent[] = [];
  const seen = new Set<string>();
  for (let index = 0; index < batch.length; index++) {
    const item = batch[index];
    const raw = item !== null && typeof item === 'object' ? (item as { messageId?: unknown }).messageId : undefined;
    const messageId = typeof raw === 'string' ? raw : '';
    if (messageId !== '' && seen.has(messageId)) {
      ids[index] = null;
      continue;
    }
    if (messageId !== '') seen.add(messageId);
    ids[index] = messageId;
    const parsed = RelayEventSchema.safeParse(item);
    if (!parsed.success) {
      outcomes[index] = rejected(`batch[${index}]: ${formatIssues(parsed.error.issues)}`);
      continue;
    }
    const event = parsed.data;
    events.push({ index, messageId, event });
    jobs.push({ index, messageId, body: JSON.stringify(toUpstreamEvent(event, ip)), keys: identityKeys(event) });
  }
  return { ids, outcomes, jobs, events };
}

/** `traits.phones.0.phoneNumber: Invalid input: expected string, received number` (at most three issues). */
export function formatIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): string {
  const shown = issues.slice(0, 3).map((issue) => `${issue.path.length ? issue.path.map(String).join('.') : '(event)'}: ${issue.message}`);
  if (issues.length > 3) shown.push(`and ${issues.length - 3} more`);
  return shown.join('; ');
}
