/**
 * An event as the queue keeps it: its size, checked against the limit, and its key.
 */
import type { OutgoingEvent } from '../events/event-builders';
import { EVENT_PREFIX, type QueuedRecord } from '../queue/queue';
import { regalError } from '../errors';
import type { ClientState } from './state';

// One event past this is refused at the call: it could never fit a beacon or Regal's 64 KB body.
export const MAX_EVENT_BYTES = 32_000;
// Everything of an event but its properties, name and traits: ids, timestamp, keys (~190).
const ENVELOPE_BYTES = 220;

/**
 * The event's size in UTF-16 units (JSON length): what the call added (its properties,
 * measured when they were copied) plus a bound on the rest, instead of serialising every
 * event a second time. Without `propertiesSize`, the event is measured.
 */
export const eventUnits = (event: OutgoingEvent, propertiesSize: number | undefined, stampBytes: number) =>
  propertiesSize == null ? JSON.stringify(event).length : propertiesSize + ENVELOPE_BYTES + stampBytes + (event.name || '').length;

/** UTF-8 bytes, measured only for an event that could be over the limit: a UTF-16 unit is
 * at most 3 bytes of UTF-8. */
export const eventBytes = (event: OutgoingEvent, units: number) => (units * 3 > MAX_EVENT_BYTES ? new TextEncoder().encode(JSON.stringify(event)).length : units);

/** The record of an event made now, or a thrown `invalid_properties` when it is too big. */
export function newRecord(
  c: Pick<ClientState, '_now' | '_tabId' | '_identity' | '_stampBytes' | '_seq' | '_keyMs' | '_keyTime'>,
  event: OutgoingEvent,
  held: boolean,
  propertiesSize?: number,
): QueuedRecord {
  const units = eventUnits(event, propertiesSize, c._stampBytes);
  const bytes = eventBytes(event, units);
  if (bytes > MAX_EVENT_BYTES) throw regalError('invalid_properties', `Event over ${MAX_EVENT_BYTES} bytes: ${bytes}`);
  const at = c._now();
  // Keys sort by time, then by call order within this tab; the tab id keeps tabs apart. A
  // burst of calls in one millisecond formats the time once.
  if (at !== c._keyMs) (c._keyMs = at), (c._keyTime = EVENT_PREFIX + at.toString(36).padStart(9, '0'));
  return { key: c._keyTime + (c._seq++).toString(36).padStart(5, '0') + c._tabId, event, anon: c._identity.anonymousId, held, at, bytes: units };
}
