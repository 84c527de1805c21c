/**
 * The inspection API under `/_stub`: what was recorded, the contacts it resolved to, the
 * counters, and the faults to inject. No key is needed (this is a local demo tool, and
 * the inspector page reads it from the browser).
 *
 *   GET    /_stub/events?since=<seq>  {events}, in arrival order, seq > since
 *   GET    /_stub/contacts            {contacts}
 *   GET    /_stub/stats               {requests, accepted, rejected, faults}
 *   GET    /_stub/faults              {faults}
 *   POST   /_stub/faults              {faults}; the body replaces every fault
 *   DELETE /_stub/faults              {faults: {}}
 *   DELETE /_stub                     forgets everything: record, file, counters, faults
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultsSchema } from './faults';
import { parseJsonBody } from './json-body';
import { sendError, sendJson } from './json-response';
import { readBody } from './read-body';
import { MAX_BODY_BYTES, type ServerContext } from './server-context';
import { validationMessage } from './validation-message';

type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  context: ServerContext,
) => void | Promise<void>;

const listEvents: Handler = (_req, res, url, context) => {
  const since = url.searchParams.get('since');
  const sinceSeq = since === null ? 0 : Number(since);
  if (!Number.isSafeInteger(sinceSeq) || sinceSeq < 0) {
    sendError(res, 400, 'invalid_body', `since must be a sequence number (got ${since})`);
    return;
  }
  sendJson(res, 200, { events: context.store.events(sinceSeq) });
};

const setFaults: Handler = async (req, res, _url, context) => {
  const body = await readBody(req, { maxBytes: MAX_BODY_BYTES, timeoutMs: context.bodyTimeoutMs });
  if (body.kind !== 'ok') {
    sendError(res, 400, 'invalid_body', 'Send the faults as one small JSON object', {
      Connection: 'close',
    });
    return;
  }
  const json = parseJsonBody(body.body);
  if (!json.ok) {
    sendError(res, 400, json.code, json.message);
    return;
  }
  const parsed = FaultsSchema.safeParse(json.value);
  if (!parsed.success) {
    sendError(res, 400, 'invalid_body', validationMessage(parsed.error));
    return;
  }
  context.faults = parsed.data;
  sendJson(res, 200, { faults: context.faults });
};

const resetEverything: Handler = async (_req, res, _url, context) => {
  await context.store.reset();
  context.limiter.reset();
  context.stats.reset();
  context.faults = {};
  sendJson(res, 200, { status: 'reset' });
};

/** Routes by path, then by method. */
const ROUTES: Record<string, Partial<Record<string, Handler>>> = {
  '/_stub': { DELETE: resetEverything },
  '/_stub/events': { GET: listEvents },
  '/_stub/contacts': {
    GET: (_req, res, _url, context) => sendJson(res, 200, { contacts: context.store.contacts() }),
  },
  '/_stub/stats': {
    GET: (_req, res, _url, context) => sendJson(res, 200, context.stats.snapshot()),
  },
  '/_stub/faults': {
    GET: (_req, res, _url, context) => sendJson(res, 200, { faults: context.faults }),
    POST: setFaults,
    DELETE: (_req, res, _url, context) => {
      context.faults = {};
      sendJson(res, 200, { faults: context.faults });
    },
  },
};

/** Handles a request whose path is `/_stub` or under it. */
export async function handleStub(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  context: ServerContext,
): Promise<void> {
  const route = ROUTES[url.pathname.replace(/\/+$/, '') || '/'];
  if (!route) {
    sendError(res, 404, 'not_found', `No inspection endpoint at ${url.pathname}`);
    return;
  }
  const handler = route[req.method ?? ''];
  if (!handler) {
    const allow = [...Object.keys(route), 'OPTIONS'].join(', ');
    sendError(res, 405, 'method_not_allowed', `${req.method} is not allowed on ${url.pathname}`, {
      Allow: allow,
    });
    return;
  }
  await handler(req, res, url, context);
}
