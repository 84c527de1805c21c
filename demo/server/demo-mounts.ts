/**
 * Extra routes of the demo server, mounted before everything else.
 *
 * >>> THE RELAY GOES HERE. <<<
 * The relay (browser batches -> one CustomEvent per request to `/events`) is mounted at
 * `/regal` by the relay work, e.g.:
 *
 *   return { '/regal': createRelayNodeHandler({ upstream: `${selfUrl}/events`, apiKey }) };
 *
 * Until then there are no mounts, and `/regal` answers 404.
 */
import type { ReferenceServerOptions } from './reference-server';

export type DemoMounts = NonNullable<ReferenceServerOptions['mounts']>;

/** The mounts `npm start` passes to the reference server. */
export function createDemoMounts(): DemoMounts {
  return {};
}
