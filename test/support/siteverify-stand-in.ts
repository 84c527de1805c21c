/**
 * A stand-in for the bot-verification providers' `siteverify` endpoints, on 127.0.0.1:
 * takes the form-encoded POST the providers document (`secret`, `response`, `remoteip`,
 * Turnstile's `idempotency_key`) and answers their JSON, with their error codes for a wrong
 * secret, an unknown token and a token used twice. Tokens are issued by the test.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BotProvider } from '../../src/relay/bot-verification/providers';

export interface SiteverifyCall {
  contentType: string | undefined;
  form: Record<string, string>;
}

export interface StandInOptions {
  provider: BotProvider;
  secret: string;
}

/** The error code each provider gives for a token it has already verified. */
const DUPLICATE: Record<BotProvider, string> = {
  turnstile: 'timeout-or-duplicate',
  recaptcha: 'timeout-or-duplicate',
  hcaptcha: 'invalid-or-already-seen-response',
};

export async function startSiteverifyStandIn({ provider, secret }: StandInOptions) {
  const calls: SiteverifyCall[] = [];
  const tokens = new Map<string, { score?: number }>();
  const used = new Set<string>();
  // Turnstile: the same idempotency_key with the same token gets the first answer again.
  const byIdempotencyKey = new Map<string, string>();
  let fault: { status?: number; delayMs?: number; body?: string } = {};

  const answer = (form: Record<string, string>): Record<string, unknown> => {
    if (!form.secret) return { success: false, 'error-codes': ['missing-input-secret'] };
    if (form.secret !== secret) return { success: false, 'error-codes': ['invalid-input-secret'] };
    if (!form.response) return { success: false, 'error-codes': ['missing-input-response'] };
    const issued = tokens.get(form.response);
    if (!issued) return { success: false, 'error-codes': ['invalid-input-response'] };
    if (used.has(form.response)) return { success: false, 'error-codes': [DUPLICATE[provider]] };
    used.add(form.response);
    return { success: true, challenge_ts: new Date().toISOString(), hostname: 'shop.example', 'error-codes': [], ...(issued.score === undefined ? {} : { score: issued.score }) };
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', async () => {
      const form = Object.fromEntries(new URLSearchParams(text));
      calls.push({ contentType: req.headers['content-type'], form });
      if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (res.destroyed) return;
      if (fault.status) {
        res.writeHead(fault.status, { 'content-type': 'text/plain' });
        res.end(fault.body ?? 'unavailable');
        return;
      }
      let body: string;
      const key = form.idempotency_key;
      if (provider === 'turnstile' && key && byIdempotencyKey.has(`${key}\n${form.response}`)) body = byIdempotencyKey.get(`${key}\n${form.response}`)!;
      else {
        body = JSON.stringify(answer(form));
        if (provider === 'turnstile' && key) byIdempotencyKey.set(`${key}\n${form.response}`, body);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/siteverify`;

  return {
    url,
    calls,
    /** A token as the widget would hand it to a person who passed (reCAPTCHA v3: with a score). */
    issue(token: string, score?: number) {
      tokens.set(token, { score });
    },
    /** Answers every call with `status` (and `body`), or after `delayMs`, until cleared with `{}`. */
    fail(next: { status?: number; delayMs?: number; body?: string }) {
      fault = next;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export type SiteverifyStandIn = Awaited<ReturnType<typeof startSiteverifyStandIn>>;
