/**
 * Everything the reference server remembers: the accepted events in arrival order, the
 * contacts they resolved to, and the log file that makes both survive a restart. The
 * contacts are never stored; they are rebuilt by replaying the log through the contact
 * book, which is deterministic, so a restart yields the same contact ids.
 */
import type { CustomEvent } from '../../src/wire/schema';
import { createContactBook, type Contact, type ContactBook } from './contact-book';
import { openEventLog } from './event-log';
import { phoneWarnings } from '../../src/relay/phones/phone-warnings';

/** An accepted event as the inspection API shows it. */
export type StoredEvent = CustomEvent & {
  seq: number;
  receivedAt: string;
  contactId: string | null;
  /** What Regal would have silently ignored (e.g. a phone that is not E.164), and the
   * relay's phone check (`undialable_phone`, `sms_opt_in_not_mobile`). */
  warnings?: string[];
};

/** One line of `events.jsonl`. The event is kept apart so its own keys cannot clash. */
interface LogLine {
  seq: number;
  receivedAt: string;
  event: CustomEvent;
}

export interface EventStore {
  /** Writes the event to the log, then resolves it; resolves once it is durable. */
  record(event: CustomEvent): Promise<StoredEvent>;
  /** Events with `seq` greater than `sinceSeq` (all by default), in arrival order. */
  events(sinceSeq?: number): StoredEvent[];
  contacts(): Contact[];
  /** Forgets everything, file included. */
  reset(): Promise<void>;
  close(): Promise<void>;
  /** Lines of the log that could not be read back on open (a torn last line, say). */
  readonly skippedLines: number;
}

function isLogLine(value: unknown): value is LogLine {
  const line = value as LogLine;
  return (
    typeof line === 'object' &&
    line !== null &&
    Number.isSafeInteger(line.seq) &&
    typeof line.receivedAt === 'string' &&
    typeof line.event === 'object' &&
    line.event !== null &&
    typeof line.event.traits === 'object'
  );
}

/**
 * @param now wall clock for `receivedAt`, passed in for tests.
 * @example const store = await openEventStore('demo/.data');
 */
export async function openEventStore(
  dataDir: string,
  now: () => Date = () => new Date(),
): Promise<EventStore> {
  const { log, records, skippedLines } = await openEventLog(dataDir);
  let book: ContactBook = createContactBook();
  let events: StoredEvent[] = [];
  let lastSeq = 0;

  function remember(line: LogLine): StoredEvent {
    const { contactId, warnings } = book.apply(line);
    const { event, receivedAt, seq } = line;
    const stored: StoredEvent = { ...event, receivedAt, contactId, seq };
    // The relay's phone check, as the inspector shows it: Regal would answer 200 and then
    // not dial the number (kept here, so the contact can still be followed).
    for (const w of phoneWarnings([{ messageId: `#${seq}`, name: event.name, traits: event.traits }])) {
      warnings.push(`${w.code}: ${w.phoneNumber}: ${w.message}`);
    }
    if (warnings.length > 0) stored.warnings = warnings;
    events.push(stored);
    lastSeq = Math.max(lastSeq, line.seq);
    return stored;
  }

  let unreadable = skippedLines;
  for (const record of records) {
    if (isLogLine(record)) remember(record);
    else unreadable++;
  }

  // Appends run one after another: lines land in seq order, and a reset cannot interleave
  // with a write that is still in flight.
  let tail: Promise<unknown> = Promise.resolve();
  function serially<T>(task: () => Promise<T>): Promise<T> {
    const run = tail.then(task);
    tail = run.catch(() => undefined);
    return run;
  }

  return {
    get skippedLines() {
      return unreadable;
    },
    record(event) {
      return serially(async () => {
        const line: LogLine = { seq: lastSeq + 1, receivedAt: now().toISOString(), event };
        await log.append(line); // durable first: a failed write is never shown as accepted
        return remember(line);
      });
    },
    events(sinceSeq = 0) {
      // Arrival order is seq order, so the new events are a suffix: walk back to find it.
      let start = events.length;
      while (start > 0 && events[start - 1].seq > sinceSeq) start--;
      return events.slice(start);
    },
    contacts() {
      return book.contacts();
    },
    reset() {
      return serially(async () => {
        await log.truncate();
        book = createContactBook();
        events = [];
        lastSeq = 0;
      });
    },
    close() {
      return serially(() => log.close());
    },
  };
}
