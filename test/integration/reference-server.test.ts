/**
 * The reference server over real HTTP: every answer of `POST /events` (200, 400 naming the
 * field, 401, 404, 405, 408, 413, 415), CORS, the inspection API, the static pages and
 * mounts, and bad input that must never crash it or corrupt its record.
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startReferenceServer, type ReferenceServer } from '../../demo/server/reference-server';
import { ErrorSchema } from '../../src/wire/schema';

const BODY_TIMEOUT_MS = 300;
const PHONE = '+15551234567';

let server: ReferenceServer;
let root: string;
let dataDir: string;

/** Pages and bundles in a temp folder, with a secret next to them that must stay private. */
async function writeSite(dir: string): Promise<{ publicDir: string; distDir: string }> {
  const publicDir = join(dir, 'public');
  const distDir = join(dir, 'dist');
  await mkdir(join(publicDir, 'css'), { recursive: true });
  await mkdir(distDir, { recursive: true });
  await writeFile(join(publicDir, 'index.html'), '<!doctype html><title>landing</title>');
  await writeFile(join(publicDir, 'app.html'), '<!doctype html><title>spa</title>');
  await writeFile(join(publicDir, 'css', 'site.css'), 'body { color: black }');
  await writeFile(join(publicDir, '.env'), 'SECRET=1');
  await writeFile(join(distDir, 'regal.min.js'), 'window.regal=1;');
  await writeFile(join(distDir, 'index.js'), 'export {};');
  await writeFile(join(dir, 'secret.txt'), 'do not serve');
  return { publicDir, distDir };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'regal-ref-'));
  dataDir = join(root, 'data');
  const site = await writeSite(root);
  server = await startReferenceServer({
    port: 0,
    dataDir,
    ...site,
    quiet: true,
    bodyTimeoutMs: BODY_TIMEOUT_MS,
    mounts: {
      '/regal': (req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end(`mounted ${req.url}`);
      },
    },
  });
});

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

beforeEach(async () => {
  await fetch(`${server.url}/_stub`, { method: 'DELETE' });
});

function openApiExample(): Record<string, unknown> {
  // Relative to the repo root, where vitest runs.
  const text = readFileSync(resolve(process.cwd(), 'src/wire/regal-events-openapi.yaml'), 'utf8');
  const body = parse(text).paths['/events'].post.requestBody.content['application/json'];
  return body.examples.leadFormSubmitted.value;
}

function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}/events`, {
    method: 'POST',
    headers: { Authorization: server.apiKey, 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const stub = async (path: string) => (await fetch(`${server.url}/_stub/${path}`)).json();

/** Every refusal carries the OpenAPI Error body: both fields, both strings. */
async function expectError(response: Response, status: number, code: string): Promise<string> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = ErrorSchema.required().parse(await response.json());
  expect(body.code).toBe(code);
  expect(body.message.length).toBeGreaterThan(0);
  return body.message;
}

/** After bad input, a good event is still accepted and the record is still whole. */
async function expectStillServing(): Promise<void> {
  const response = await post({ traits: { phones: [{ phoneNumber: PHONE }] }, name: 'Ping' });
  expect(response.status).toBe(200);
  const lines = (await readFile(join(dataDir, 'events.jsonl'), 'utf8')).split('\n');
  expect(lines.pop()).toBe(''); // ends with a newline: nothing half-written
  for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
}

/**
 * Speaks HTTP over a bare socket, for what fetch cannot do: lie about the length, stall
 * mid-body, hang up. Resolves with whatever the server answered before the socket closed.
 */
function rawExchange(
  drive: (write: (chunk: string) => void, end: () => void) => void | Promise<void>,
): Promise<string> {
  return new Promise((resolveText) => {
    const socket = connect(server.port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', () => undefined); // EPIPE/ECONNRESET once the server hangs up
    socket.on('close', () => resolveText(received));
    socket.on('connect', () => {
      const write = (chunk: string) => {
        if (!socket.destroyed && socket.writable) socket.write(chunk);
      };
      void drive(write, () => socket.destroy());
    });
    setTimeout(() => socket.destroy(), 5_000);
  });
}

function headOf(path: string, headers: Record<string, string | number>): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...lines, '', ''].join('\r\n');
}

describe('POST /events answers like Regal', () => {
  it("accepts the OpenAPI's own example and shows the contact it made", async () => {
    const response = await post(openApiExample());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'accepted' });

    const { contacts } = await stub('contacts');
    expect(contacts).toHaveLength(1);
    expect(contacts[0]).toMatchObject({
      phones: [
        {
          phoneNumber: PHONE,
          isPrimary: true,
          label: 'mobile',
          voiceOptIn: { subscribed: true },
          smsOptIn: { subscribed: true },
        },
      ],
      emails: [{ emailAddress: 'jane.doe@example.com', isPrimary: true, emailOptIn: { subscribed: true } }],
      traits: { firstName: 'Jane', lastName: 'Doe' },
      userIds: ['12345'],
      events: [{ seq: 1, name: 'Lead Form Submitted', originalTimestamp: '2026-05-24T15:00:00Z' }],
    });
    const { events } = await stub('events');
    expect(events).toEqual([
      { ...openApiExample(), seq: 1, contactId: contacts[0].id, receivedAt: expect.any(String) },
    ]);
  });

  it('writes the event to events.jsonl before answering 200', async () => {
    expect((await post({ traits: {}, userId: 'u-durable', name: 'Saved' })).status).toBe(200);
    const lines = (await readFile(join(dataDir, 'events.jsonl'), 'utf8')).trim().split('\n');
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ seq: 1, event: { userId: 'u-durable' } });
  });

  it('keeps unknown keys, as the OpenAPI allows them everywhere', async () => {
    const optIn = { subscribed: true, text: 'I agree to calls', ip: '203.0.113.9' };
    const event = { traits: { phones: [{ phoneNumber: PHONE, smsOptIn: optIn }], plan: 'pro' }, extra: 1 };
    expect((await post(event)).status).toBe(200);
    const [stored] = (await stub('events')).events;
    expect(stored.extra).toBe(1);
    const [contact] = (await stub('contacts')).contacts;
    expect(contact.phones[0].smsOptIn).toEqual(optIn);
    expect(contact.traits.plan).toBe('pro');
  });

  it('drops a phone that is not E.164 silently after 200, with a warning on the event', async () => {
    const response = await post({ traits: { phones: [{ phoneNumber: '555-123-4567' }] }, userId: 'u-bad-phone' });
    expect(response.status).toBe(200);
    const [stored] = (await stub('events')).events;
    expect(stored.contactId).toBeNull();
    expect(stored.warnings[0]).toMatch(/^traits\.phones\.0\.phoneNumber: "555-123-4567" is not E\.164/);
    expect((await stub('contacts')).contacts).toEqual([]);
  });

  it("shows the relay's phone check on the event: a number Regal cannot dial, an SMS opt-in on a landline (the contact kept)", async () => {
    await post({ traits: { phones: [{ phoneNumber: '+15551234567' }] }, userId: 'u-undialable' });
    await post({ traits: { phones: [{ phoneNumber: '+442079460958', smsOptIn: { subscribed: true } }] }, userId: 'u-landline' });
    await post({ traits: { phones: [{ phoneNumber: '+447400123456', smsOptIn: { subscribed: true } }] }, userId: 'u-mobile' });
    const [undialable, landline, mobile] = (await stub('events')).events;
    expect(undialable.warnings).toEqual([expect.stringMatching(/^undialable_phone: \+15551234567: Regal cannot dial the phone of event #\d+: not assigned/)]);
    expect(landline.warnings).toEqual([expect.stringMatching(/^sms_opt_in_not_mobile: \+442079460958: .*fixed line number \(GB\)/)]);
    expect(mobile.warnings).toBeUndefined();
    expect(undialable.contactId).not.toBeNull();
  });
});

describe('refusals', () => {
  it('401 without a key, with a wrong key, and with a Bearer key', async () => {
    const noKey = await fetch(`${server.url}/events`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"traits":{}}',
    });
    expect(await expectError(noKey, 401, 'unauthorized')).toMatch(/Missing API key/);
    await expectError(await post({ traits: {} }, { Authorization: 'not-the-key' }), 401, 'unauthorized');
    await expectError(await post({ traits: {} }, { Authorization: `Bearer ${server.apiKey}` }), 401, 'unauthorized');
    await expectError(await post({ traits: {} }, { Authorization: ` ${server.apiKey}x` }), 401, 'unauthorized');
    expect((await stub('events')).events).toEqual([]);
  });

  it('400 naming the offending field path', async () => {
    const response = await post({ traits: { phones: [{ phoneNumber: 15551234567 }] } });
    const message = await expectError(response, 400, 'invalid_body');
    expect(message).toContain('traits.phones.0.phoneNumber');
    expect(message).toContain('expected string');
  });

  it('400 when the required traits are missing, or the body is not an object', async () => {
    expect(await expectError(await post({ name: 'x' }), 400, 'invalid_body')).toMatch(/^traits: /);
    expect(await expectError(await post([]), 400, 'invalid_body')).toMatch(/^\(body\): .*expected object/);
    const wrongType = await post({ traits: { emails: [{ emailAddress: 'a@b.c', isPrimary: 'yes' }] } });
    expect(await expectError(wrongType, 400, 'invalid_body')).toContain('traits.emails.0.isPrimary');
  });

  it('400 for malformed JSON and for invalid UTF-8', async () => {
    await expectError(await post('{"traits": {'), 400, 'invalid_json');
    await expectError(await post(''), 400, 'invalid_json');
    const badUtf8 = await fetch(`${server.url}/events`, {
      method: 'POST',
      headers: { Authorization: server.apiKey, 'Content-Type': 'application/json' },
      body: Buffer.from([0x7b, 0xff, 0x7d]),
    });
    await expectError(badUtf8, 400, 'invalid_json');
    await expectStillServing();
  });

  it('400 for deeply nested JSON, without overflowing the stack', async () => {
    const deep = `{"traits":{},"properties":{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`;
    expect(await expectError(await post(deep), 400, 'nesting_too_deep')).toMatch(/20002 levels/);
    // Brackets inside strings are text, not nesting.
    const bracketsInText = { traits: {}, properties: { note: '['.repeat(5_000) } };
    expect((await post(bracketsInText)).status).toBe(200);
    await expectStillServing();
  });

  it('415 for anything but application/json', async () => {
    const asText = await post('{"traits":{}}', { 'Content-Type': 'text/plain' });
    expect(await expectError(asText, 415, 'unsupported_media_type')).toContain('text/plain');
    const none = await fetch(`${server.url}/events`, {
      method: 'POST',
      headers: { Authorization: server.apiKey },
      body: new Uint8Array(Buffer.from('{"traits":{}}')),
    });
    await expectError(none, 415, 'unsupported_media_type');
    const gzip = await post('{"traits":{}}', { 'Content-Encoding': 'gzip' });
    await expectError(gzip, 415, 'unsupported_media_type');
    expect((await post('{"traits":{}}', { 'Content-Type': 'Application/JSON; charset=utf-8' })).status).toBe(200);
  });

  it('413 for a body over 64 KB sent by fetch', async () => {
    const huge = { traits: {}, properties: { padding: 'x'.repeat(70 * 1024) } };
    const response = await post(huge).catch((error: unknown) => error);
    // Whether fetch reads the 413 before the server hangs up is a race; the server's answer
    // is pinned down below over a raw socket. Either way nothing is recorded.
    if (response instanceof Response) await expectError(response, 413, 'payload_too_large');
    expect((await stub('events')).events).toEqual([]);
    await expectStillServing();
  });

  it('413 at once when the declared length is over 64 KB, before reading the body', async () => {
    const answer = await rawExchange((write) => {
      write(headOf('/events', {
        Authorization: server.apiKey,
        'Content-Type': 'application/json',
        'Content-Length': 10_000_000,
      }));
      write('{"traits":{},"properties":{"padding":"');
    });
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('"code":"payload_too_large"');
    expect(answer.toLowerCase()).toContain('connection: close');
    await expectStillServing();
  });

  it('413 when a chunked body grows past 64 KB, and stops reading it', async () => {
    const answer = await rawExchange(async (write) => {
      write(headOf('/events', {
        Authorization: server.apiKey,
        'Content-Type': 'application/json',
        'Transfer-Encoding': 'chunked',
      }));
      const chunk = 'x'.repeat(16 * 1024);
      for (let i = 0; i < 8; i++) {
        write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
        await new Promise((r) => setTimeout(r, 5));
      }
    });
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    await expectStillServing();
  });

  it('408 when the body does not arrive in time', async () => {
    const started = performance.now();
    const answer = await rawExchange((write) => {
      write(headOf('/events', {
        Authorization: server.apiKey,
        'Content-Type': 'application/json',
        'Content-Length': 100,
      }));
      write('{"traits":'); // ... and then nothing
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('"code":"request_timeout"');
    expect(performance.now() - started).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 20);
    await expectStillServing();
  });

  it('survives a client that hangs up mid-body, and records nothing of it', async () => {
    await rawExchange(async (write, end) => {
      write(headOf('/events', {
        Authorization: server.apiKey,
        'Content-Type': 'application/json',
        'Content-Length': 100,
      }));
      write('{"traits":{"phones":[');
      await new Promise((r) => setTimeout(r, 20));
      end();
    });
    await expectStillServing();
    expect((await stub('events')).events.map((e: { name: string }) => e.name)).toEqual(['Ping']);
  });

  it('answers a malformed request line with 400 and keeps serving', async () => {
    const answer = await rawExchange((write) => write('THIS IS NOT HTTP\r\n\r\n'));
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    await expectStillServing();
  });

  it('404 for an unknown route, 405 for a wrong method', async () => {
    await expectError(await fetch(`${server.url}/nope`), 404, 'not_found');
    await expectError(await fetch(`${server.url}/events/`, { method: 'POST' }), 404, 'not_found');
    const get = await fetch(`${server.url}/events`);
    await expectError(get, 405, 'method_not_allowed');
    expect(get.headers.get('allow')).toBe('POST, OPTIONS');
    await expectError(await fetch(`${server.url}/_stub/events`, { method: 'PUT' }), 405, 'method_not_allowed');
    await expectError(await fetch(`${server.url}/_stub/nothing`), 404, 'not_found');
    await expectError(await fetch(`${server.url}/index.html`, { method: 'POST' }), 405, 'method_not_allowed');
  });

  it('counts every answer in /_stub/stats', async () => {
    await post({ traits: {} });
    await post({ traits: {} }, { Authorization: 'wrong' });
    await post('nope');
    await fetch(`${server.url}/events`);
    expect(await stub('stats')).toEqual({
      requests: 4,
      accepted: 1,
      rejected: { 400: 1, 401: 1, 405: 1 },
      faults: { errors: 0, drops: 0 },
    });
  });
});

describe('CORS', () => {
  const origin = 'http://localhost:5173';

  it('answers a preflight with the methods, headers and a day of max-age', async () => {
    const response = await fetch(`${server.url}/events`, {
      method: 'OPTIONS',
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization, content-type',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')).toBe('Authorization, Content-Type');
    expect(response.headers.get('access-control-max-age')).toBe('86400');
  });

  it('lets actual answers, errors and inspection endpoints be read cross-origin', async () => {
    const accepted = await post({ traits: {} }, { Origin: origin });
    expect(accepted.headers.get('access-control-allow-origin')).toBe('*');
    const refused = await post({ traits: {} }, { Origin: origin, Authorization: 'wrong' });
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');
    expect(refused.headers.get('access-control-expose-headers')).toContain('Retry-After');
    const inspection = await fetch(`${server.url}/_stub/contacts`, { headers: { Origin: origin } });
    expect(inspection.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('with a list of origins: echoes an allowed one, refuses the others', async () => {
    const restricted = await startReferenceServer({
      port: 0,
      dataDir: join(root, 'cors-data'),
      quiet: true,
      allowedOrigins: [origin],
    });
    try {
      const preflight = (from: string) =>
        fetch(`${restricted.url}/events`, {
          method: 'OPTIONS',
          headers: { Origin: from, 'Access-Control-Request-Method': 'POST' },
        });
      const allowed = await preflight(origin);
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin')).toBe(origin);
      expect(allowed.headers.get('vary')).toBe('Origin');
      await expectError(await preflight('https://evil.example'), 403, 'origin_not_allowed');
      const stats = await fetch(`${restricted.url}/_stub/stats`, { headers: { Origin: 'https://evil.example' } });
      expect(stats.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await restricted.close();
    }
  });
});

describe('inspection API', () => {
  it('lists events in arrival order, and only the new ones with ?since', async () => {
    for (const name of ['One', 'Two', 'Three']) await post({ traits: {}, name });
    const all = (await stub('events')).events;
    expect(all.map((e: { seq: number; name: string }) => [e.seq, e.name])).toEqual([
      [1, 'One'],
      [2, 'Two'],
      [3, 'Three'],
    ]);
    const newer = (await stub('events?since=2')).events;
    expect(newer.map((e: { name: string }) => e.name)).toEqual(['Three']);
    expect((await stub('events?since=3')).events).toEqual([]);
    await expectError(await fetch(`${server.url}/_stub/events?since=abc`), 400, 'invalid_body');
  });

  it('DELETE /_stub forgets everything, the file included', async () => {
    await post({ traits: { phones: [{ phoneNumber: PHONE }] } });
    expect((await fetch(`${server.url}/_stub`, { method: 'DELETE' })).status).toBe(200);
    expect((await stub('events')).events).toEqual([]);
    expect((await stub('contacts')).contacts).toEqual([]);
    expect((await stub('stats')).requests).toBe(0);
    expect(await readFile(join(dataDir, 'events.jsonl'), 'utf8')).toBe('');
    await post({ traits: {} });
    expect((await stub('events')).events[0].seq).toBe(1);
  });
});

describe('static pages and mounts', () => {
  const get = (path: string) => fetch(`${server.url}${path}`);

  it('serves the landing page, the SPA fallback and files with their content types', async () => {
    const landing = await get('/');
    expect(landing.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await landing.text()).toContain('landing');
    for (const path of ['/app', '/app/', '/app/settings/profile']) {
      expect(await (await get(path)).text()).toContain('spa');
    }
    const css = await get('/css/site.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await css.text()).toContain('color');
  });

  it('serves the bundles at /regal.min.js and under /dist', async () => {
    const script = await get('/regal.min.js');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('window.regal=1;');
    expect(await (await get('/dist/index.js')).text()).toBe('export {};');
  });

  it('answers HEAD without a body', async () => {
    const head = await fetch(`${server.url}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);
  });

  it('never serves a file outside its folder, nor a dotfile', async () => {
    const attempts = [
      '/%2e%2e/secret.txt',
      '/css/%2e%2e/%2e%2e/secret.txt',
      '/dist/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e%5csecret.txt',
      '/.env',
      '/%2eenv',
      '/%E0%A4%A',
      '/app.html%00.js',
    ];
    for (const path of attempts) {
      const response = await get(path);
      expect([400, 404], path).toContain(response.status);
      expect(await response.text(), path).not.toMatch(/do not serve|SECRET/);
    }
  });

  it('404 for a missing page or bundle', async () => {
    await expectError(await get('/missing.html'), 404, 'not_found');
    await expectError(await get('/dist/missing.js'), 404, 'not_found');
  });

  it('routes a mount prefix and what is under it to the mount, before everything else', async () => {
    expect(await (await get('/regal')).text()).toBe('mounted /regal');
    expect(await (await get('/regal/batch?x=1')).text()).toBe('mounted /regal/batch?x=1');
    expect((await get('/regalia')).status).toBe(404);
  });

  it('serves the inspector from demo/public by default', async () => {
    const defaults = await startReferenceServer({ port: 0, dataDir: join(root, 'default-data'), quiet: true });
    try {
      const page = await fetch(`${defaults.url}/inspector`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const html = await page.text();
      expect(html).toContain('/_stub/contacts');
      expect(html).toContain('/_stub/events');
    } finally {
      await defaults.close();
    }
  });
});
