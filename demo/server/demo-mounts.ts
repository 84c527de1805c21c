/**
 * Extra routes of the demo server, mounted before everything else: the relay at `/regal`,
 * forwarding the SDK's batches one event per request to this same server's `/events`, as a
 * site owner's server would forward them to Regal.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRelay, toNodeHandler, type RelayOptions } from '../../src/relay/index';
import type { ReferenceServerOptions } from './reference-server';

export type DemoMounts = NonNullable<ReferenceServerOptions['mounts']>;

export interface DemoMountOptions {
  /** The key the relay adds (the reference server's). Default env REGAL_API_KEY or 'demo-key'. */
  apiKey?: string;
  /** Where the relay forwards. Default: `/events` of the server the request came in on. */
  upstream?: string;
  /** Anything else for `createRelay` (pacing, dedupe window, ...). */
  relay?: Partial<RelayOptions>;
}

/** The mounts `npm start` (and the browser tests) pass to the reference server. */
export function createDemoMounts(options: DemoMountOptions = {}): DemoMounts {
  const apiKey = options.apiKey || process.env.REGAL_API_KEY || 'demo-key';
  let handler: ReturnType<typeof toNodeHandler> | undefined;
  return {
    // The port is known only once the server listens, so the relay is made on first use,
    // from the address the request arrived at.
    '/regal': (req: IncomingMessage, res: ServerResponse) => {
      handler ||= toNodeHandler(
        createRelay({
          apiKey,
          upstream: options.upstream || `http://127.0.0.1:${req.socket.localPort}/events`,
          // The two-hostname demo (www. and apply.regal.localhost): the visitor cookie renewed.
          visitorCookie: { domain: 'regal.localhost' },
          // The demo pages are served by this server: same origin. Other origins are refused.
          ...options.relay,
        }),
      );
      return handler(req, res);
    },
  };
}
