/**
 * Builds the CustomEvent payloads, as pure functions of what the call was given and the
 * moment and page it was made on. What leaves the browser is shaped here and nowhere else.
 */
import type { ContactTraits, RelayEvent } from '../../wire/schema';
import type { PageContext, Properties } from '../types';
import { utmParameters } from './page-context';

/** What every event of a call shares. */
export interface EventBase {
  messageId: string;
  /** ISO 8601, the moment of the call (not of sending). */
  timestamp: string;
  eventSource: string;
  userId: string;
  traits: ContactTraits;
}

/** A CustomEvent with the `messageId` that the relay dedupes on. */
export type OutgoingEvent = RelayEvent;

function base(b: EventBase): OutgoingEvent {
  return { messageId: b.messageId, userId: b.userId, traits: b.traits, originalTimestamp: b.timestamp, eventSource: b.eventSource };
}

/** `track(name, properties)` → a named event. */
export function trackEvent(b: EventBase, name: string, properties: Properties): OutgoingEvent {
  const event = base(b);
  event.name = name;
  event.properties = properties;
  return event;
}

/**
 * `page(category, name, properties)` → `Page Viewed` with url, path, title, referrer,
 * search, the page's name and category when given, and its UTM parameters. Given
 * properties win over captured ones (a site may send a canonical url).
 */
export function pageEvent(b: EventBase, page: PageContext, category: string | undefined, name: string | undefined, properties: Properties): OutgoingEvent {
  const props: Properties = { ...page, ...utmParameters(page.search) };
  if (name) props.name = name;
  if (category) props.category = category;
  return trackEvent(b, 'Page Viewed', Object.assign(props, properties));
}

/** `screen(name, properties)` → `Screen Viewed` with the screen's name. */
export function screenEvent(b: EventBase, name: string | undefined, properties: Properties): OutgoingEvent {
  return trackEvent(b, 'Screen Viewed', name ? { name, ...properties } : properties);
}

/** `identify` → a contact update: no `name`, only traits. */
export function identifyEvent(b: EventBase): OutgoingEvent {
  return base(b);
}
