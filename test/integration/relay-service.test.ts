/**
 * `regal-relay`, the relay as a service, run as a real process from dist/: configuration by
 * environment, the three routes, its log lines, and how it stops.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceServer, type ReferenceServer } from '../../demo/server/reference-server';
import { describeWithRedis, startRedisServer, type RedisServer } from '../support/redis-server';
import { requireBuiltBin, spawnRelay, startRelayProcess, type RelayProcess } from './relay-service-process';

let reference: ReferenceServer;
let dataDir: string;
const relays: RelayProcess[] = [];
const servers: Server[] = [];

beforeAll(async () => {
  requireBuiltBin();
  dataDir = await mkdtemp(join(tmpdir(), 'regal-relay-service-'));
  reference = await startReferenceServer({ port: 0, dataDir, quiet: true, apiKey: 'service-key' });
});

afterAll(async () => {
  for (const relay of relays) relay.kill('SIGKILL');
  for (const server of servers) server.closeAllConnections(), server.close();
  await reference?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function relayTo(upstream: string, env: Record<string, string> = {}): Promise<RelayProcess> {
  const relay = await startRelayProcess({ REGAL_API_KEY: 'service-key', PORT: '0', HOST: '127.0.0.1', REGAL_UPSTREAM: upstream, ...env });
  relays.push(relay);
  return relay;
}

const PHONE = '+14155550142';
const EMAIL = 'zebediah.quill@example.com';

/** An identified lead's event, its traits full of what must never reach a log line. */
function leadEvent(messageId: string, n = 0) {
  return {
    messageId,
    userId: `visitor-${n}`,
    traits: {
      firstName: 'Zebediah',
      lastName: 'Quillfeather',
      phones: [{ phoneNumber: PHONE, isPrimary: true, smsOptIn: { subscribed: true, text: 'Text me about my quote' } }],
      emails: [{ emailAddress: EMAIL, isPrimary: true }],
      favouriteColour: 'vermilion-secret',
    },
    name: 'Lead Form Submitted',
    properties: { n, note: 'ask for the vermilion-secret plan' },
  };
}

const post = (url: string, batch: unknown[], headers: Record<string, string> = {}) =>
  fetch(`${url}/regal`, { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8', ...headers }, body: JSON.stringify({ batch }) });

async function recorded(): Promise<Array<{ properties?: { n?: number }; userId?: string }>> {
  return ((await (await fetch(`${reference.url}/_stub/events`)).json()) as { events: [] }).events;
}

describe('configuration', () => {
  it('refuses to start without REGAL_API_KEY: a message saying what to set, exit 1', async () => {
    const { exited, stderr, stdout } = spawnRelay({ PORT: '0' });
    expect((await exited).code).toBe(1);
    expect(stderr()).toContain('REGAL_API_KEY is required');
    expect(stdout()).toBe('');
  });

  it.each([
    ['PORT', '70000', 'PORT must be a port number'],
    ['REGAL_UPSTREAM', 'ftp://events.example.com', 'REGAL_UPSTREAM must be an http(s) URL'],
    ['REGAL_REDIS_URL', 'http://:hunter2-secret@redis.internal:6379', 'REGAL_REDIS_URL must be a redis:// or rediss:// URL'],
    ['REGAL_ALLOWED_ORIGINS', 'https://www.example.com,example.com', 'REGAL_ALLOWED_ORIGINS must be * or origins'],
    ['REGAL_ALLOWED_ORIGINS', 'https://www.example.com/pricing', '"https://www.example.com/pricing" is not one'],
    ['REGAL_TRUST_PROXY', 'yes', 'REGAL_TRUST_PROXY must be true, false, or the number of proxies'],
    ['REGAL_RATE_LIMIT', '0', 'REGAL_RATE_LIMIT must be'],
    ['REGAL_RATE_LIMIT', 'fast', 'REGAL_RATE_LIMIT must be'],
    ['REGAL_LIMIT_BATCHES_PER_MINUTE', '0', 'REGAL_LIMIT_BATCHES_PER_MINUTE must be a whole number of at least 1, or off'],
    ['REGAL_LIMIT_IPS_PER_PHONE_PER_HOUR', '-5', 'REGAL_LIMIT_IPS_PER_PHONE_PER_HOUR must be'],
    ['REGAL_BOT_PROVIDER', 'captcha', 'REGAL_BOT_PROVIDER must be turnstile, recaptcha or hcaptcha'],
    ['REGAL_BOT_SECRET', 'hunter2-secret', 'REGAL_BOT_SECRET is set but REGAL_BOT_PROVIDER is not'],
  ])('refuses %s=%s with a message naming it, exit 1', async (name, value, message) => {
    const { exited, stderr } = spawnRelay({ REGAL_API_KEY: 'k', [name]: value });
    expect((await exited).code).toBe(1);
    expect(stderr()).toContain(message);
    expect(stderr()).not.toContain('hunter2-secret');
  });

  it('REGAL_LIMIT_* and REGAL_BOT_* configure the limits and the bot verification; the secret is never logged', async () => {
    const relay = await relayTo(`${reference.url}/events`, {
      REGAL_LIMIT_BATCHES_PER_MINUTE: '2',
      REGAL_LIMIT_NEW_IDENTITIES_PER_HOUR: 'off',
      REGAL_BOT_PROVIDER: 'turnstile',
      REGAL_BOT_SECRET: 'hunter2-secret',
    });
    const start = relay.logs.find((line) => line.event === 'start');
    expect(start).toMatchObject({ limits: 'batchesPerMinute=2 newIdentitiesPerMinute=20 newIdentitiesPerHour=off ipsPerPhonePerHour=5 phoneChecksPerMinute=60', botVerification: 'turnstile' });
    // An opt-in without the widget's token: rejected with the reason (the provider is not asked).
    const lead = await (await post(relay.url, [leadEvent('svc-bot-1', 1)])).json();
    expect(lead.rejected).toEqual([{ messageId: 'svc-bot-1', reason: expect.stringMatching(/^bot verification: this event carries an opt-in but no turnstile token/) }]);
    expect((await post(relay.url, [{ messageId: 'svc-limit-1', name: 'Page Viewed', traits: {} }])).status).toBe(200);
    const third = await post(relay.url, [{ messageId: 'svc-limit-2', name: 'Page Viewed', traits: {} }]);
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(relay.stdout() + relay.stderr()).not.toContain('hunter2-secret');
  });

  it('refuses a port in use with a message, exit 1', async () => {
    const taken = createServer();
    servers.push(taken);
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { exited, stderr } = spawnRelay({ REGAL_API_KEY: 'k', HOST: '127.0.0.1', PORT: String((taken.address() as AddressInfo).port) });
    expect((await exited).code).toBe(1);
    expect(stderr()).toMatch(/port \d+ is in use: set PORT to another one/);
  });
});

describe('routes', () => {
  it('forwards the SDK batches at POST /regal, as the mounted relay does', async () => {
    const relay = await relayTo(`${reference.url}/events`);
    const response = await post(relay.url, [leadEvent('svc-route-1', 1), leadEvent('svc-route-2', 2)]);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ accepted: ['svc-route-1', 'svc-route-2'], rejected: [], retry: [] });
    // The same batch again (a beacon and its retry): accepted, not forwarded twice.
    expect(await (await post(relay.url, [leadEvent('svc-route-1', 1)])).json()).toEqual({ accepted: ['svc-route-1'], rejected: [], retry: [] });
    expect((await recorded()).filter((e) => e.userId === 'visitor-1' || e.userId === 'visitor-2')).toHaveLength(2);
    // Same origin only by default: another site's page is refused, a preflight too.
    expect((await post(relay.url, [leadEvent('svc-route-3')], { origin: 'https://evil.example' })).status).toBe(403);
    expect((await fetch(`${relay.url}/nothing-here`)).status).toBe(404);
    expect((await fetch(`${relay.url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('REGAL_ALLOWED_ORIGINS lets the listed sites post, with CORS headers', async () => {
    const relay = await relayTo(`${reference.url}/events`, { REGAL_ALLOWED_ORIGINS: 'https://www.example.com, https://example.com' });
    const allowed = await post(relay.url, [leadEvent('svc-cors-1')], { origin: 'https://example.com' });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://example.com');
    const preflight = await fetch(`${relay.url}/regal`, { method: 'OPTIONS', headers: { origin: 'https://www.example.com', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect((await post(relay.url, [leadEvent('svc-cors-2')], { origin: 'https://other.example.com' })).status).toBe(403);
  });

  it('GET /healthz answers 200 while it can serve', async () => {
    const relay = await relayTo(`${reference.url}/events`);
    const response = await fetch(`${relay.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('GET /metrics is Prometheus text: every sample typed, names and labels well formed', async () => {
    const relay = await relayTo(`${reference.url}/events`);
    await post(relay.url, [leadEvent('svc-metrics-1', 1), leadEvent('svc-metrics-2', 2), { name: 'no traits', messageId: 'svc-metrics-bad' }]);
    const response = await fetch(`${relay.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(text.endsWith('\n')).toBe(true);
    const typed = new Map<string, string>();
    const samples = new Map<string, number>();
    for (const line of text.trimEnd().split('\n')) {
      const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
      if (comment) {
        if (comment[1] === 'TYPE') {
          expect(['counter', 'gauge', 'histogram']).toContain(comment[3]);
          expect(typed.has(comment[2]), `${comment[2]} typed twice`).toBe(false);
          typed.set(comment[2], comment[3]);
        }
        continue;
      }
      const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(line);
      expect(sample, `not a sample line: ${line}`).not.toBeNull();
      const name = sample![1];
      const family = typed.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
      expect(typed.has(family), `${name} has no TYPE before it`).toBe(true);
      samples.set(`${name}${sample![2] ?? ''}`, Number(sample![3]));
    }
    for (const name of ['events_accepted', 'events_rejected', 'events_retry', 'upstream_429_pauses', 'forward_errors']) {
      expect(typed.get(`regal_relay_${name}_total`), name).toBe('counter');
    }
    // The batch: two events forwarded, one refused by the schema.
    expect(samples.get('regal_relay_events_accepted_total')).toBe(2);
    expect(samples.get('regal_relay_events_rejected_total')).toBe(1);
    expect(samples.get('regal_relay_events_retry_total')).toBe(0);
    expect(samples.get('regal_relay_store_up')).toBe(1);
    expect(samples.get('regal_relay_draining')).toBe(0);
    expect(samples.get('process_cpu_seconds_total')).toBeGreaterThan(0);
  });
});

describe('log lines', () => {
  it('one JSON object per line, and never a phone, an email or a trait, even where Regal quotes them', async () => {
    // Regal's answers, in turn: unavailable, over the rate, then a refusal quoting the contact.
    let n = 0;
    const upstream = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const k = n++;
        if (k === 0) return void res.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"unavailable"}');
        if (k === 1) return void res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' }).end('{"message":"slow down"}');
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `phone ${PHONE} (+1 (415) 555-0142) of ${EMAIL} is not valid` }));
      });
    });
    servers.push(upstream);
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const relay = await relayTo(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}/events`);
    const messageId = '3f1e2d4c-5b6a-4789-8abc-1234567890ab';
    const answer = (await (await post(relay.url, [leadEvent(messageId)])).json()) as { rejected: Array<{ reason: string }> };
    // The browser is told Regal's reason (it is the visitor's own data); the log is not.
    expect(answer.rejected[0].reason).toContain(EMAIL);
    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    for (const sample of ['regal_relay_forward_errors_total{status="503"} 1', 'regal_relay_forward_errors_total{status="429"} 1', 'regal_relay_forward_errors_total{status="400"} 1', 'regal_relay_upstream_429_pauses_total 1', 'regal_relay_events_rejected_total 1']) {
      expect(metrics).toContain(`${sample}\n`);
    }
    relay.kill('SIGTERM');
    await relay.exited;

    const out = relay.stdout();
    const lines = out.trimEnd().split('\n');
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    const events = relay.logs.map((l) => l.event);
    expect(events).toEqual(['start', 'forward_error', 'upstream_429_pause', 'forward_error', 'stopping', 'stop']);
    const refused = relay.logs[3];
    expect(refused).toMatchObject({ level: 'error', messageId, status: 400, willRetry: false });
    expect(refused.reason).toBe('upstream 400: phone [redacted] ([redacted]) of [redacted] is not valid');
    for (const secret of [PHONE, '4155550142', '555-0142', EMAIL, 'zebediah', 'Zebediah', 'Quillfeather', 'vermilion-secret', 'Text me about', 'service-key']) {
      expect(`${out}${relay.stderr()}`, secret).not.toContain(secret);
    }
  });
});

describe('phone warnings', () => {
  it('a number Regal cannot dial: forwarded, warned in the answer, counted in /metrics, logged without the number', async () => {
    const relay = await relayTo(`${reference.url}/events`);
    const undialable = '+15550199876'; // 555 is no area code
    const identify = { messageId: 'svc-phone-warning', userId: 'visitor-pw', traits: { phones: [{ phoneNumber: undialable, isPrimary: true }] } };
    const answer = (await (await post(relay.url, [identify])).json()) as { accepted: string[]; warnings: Array<Record<string, string>> };
    expect(answer.accepted).toEqual(['svc-phone-warning']);
    expect(answer.warnings).toEqual([{ messageId: 'svc-phone-warning', code: 'undialable_phone', phoneNumber: undialable, message: expect.stringContaining('not assigned') }]);
    expect((await recorded()).some((e) => e.userId === 'visitor-pw')).toBe(true);
    expect(await (await fetch(`${relay.url}/metrics`)).text()).toContain('regal_relay_phone_warnings_total{code="undialable_phone"} 1\n');
    relay.kill('SIGTERM');
    await relay.exited;
    expect(relay.logs.find((l) => l.event === 'phone_warning')).toMatchObject({ level: 'warn', messageId: 'svc-phone-warning', code: 'undialable_phone' });
    expect(`${relay.stdout()}${relay.stderr()}`).not.toContain('5550199876');
  });

  it('POST /regal/phone-check answers a lead form, limited per IP (REGAL_LIMIT_PHONE_CHECKS_PER_MINUTE), counted in /metrics', async () => {
    const relay = await relayTo(`${reference.url}/events`, { REGAL_LIMIT_PHONE_CHECKS_PER_MINUTE: '2' });
    const check = (phone: string) => fetch(`${relay.url}/regal/phone-check`, { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: JSON.stringify({ phone }) });
    expect(await (await check('+15550199876')).json()).toMatchObject({ valid: false, code: 'undialable_phone' });
    expect(await (await check('+447400123456')).json()).toMatchObject({ valid: true, country: 'GB', type: 'MOBILE', sms: true });
    const refused = await check('+447400123457');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    for (const sample of ['regal_relay_phone_checks_total{result="undialable"} 1', 'regal_relay_phone_checks_total{result="valid"} 1', 'regal_relay_limit_429s_total{limit="phone_checks"} 1']) {
      expect(metrics).toContain(`${sample}\n`);
    }
    relay.kill('SIGTERM');
    await relay.exited;
  });
});

describe('SIGTERM', () => {
  it('answers the batch in flight, takes no new one, and exits 0', async () => {
    await fetch(`${reference.url}/_stub/faults`, { method: 'POST', body: JSON.stringify({ latencyMs: 1_500 }) });
    try {
      const relay = await relayTo(`${reference.url}/events`);
      // One connection: a batch in flight at the signal, then another batch sent on it after.
      const socket = connect(relay.port, '127.0.0.1');
      let raw = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (raw += chunk));
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      const request = (batch: unknown[]) => {
        const body = JSON.stringify({ batch });
        return `POST /regal HTTP/1.1\r\nHost: 127.0.0.1:${relay.port}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
      };
      socket.write(request([leadEvent('svc-drain-1', 101), leadEvent('svc-drain-2', 102)]));
      let metrics = '';
      await until(async () => (metrics = await (await fetch(`${relay.url}/metrics`)).text()).includes('regal_relay_batches_in_flight 1'), () => metrics);
      const signalled = Date.now();
      relay.kill('SIGTERM');
      await relay.waitForLog((line) => line.event === 'stopping');
      socket.write(request([leadEvent('svc-drain-late', 103)]));
      // A new connection is refused at once; the health check is no longer reached.
      await expect(fetch(`${relay.url}/healthz`)).rejects.toThrow();

      const { code } = await relay.exited;
      expect(code).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(10_000);
      await closed;
      const answers = raw.split(/(?=HTTP\/1\.1 )/);
      expect(answers[0]).toMatch(/^HTTP\/1\.1 200 /);
      expect(JSON.parse(answers[0].slice(answers[0].indexOf('\r\n\r\n') + 4))).toEqual({ accepted: ['svc-drain-1', 'svc-drain-2'], rejected: [], retry: [] });
      // The late batch: 503, send it again (elsewhere); the connection is closed after it.
      expect(answers[1]).toMatch(/^HTTP\/1\.1 503 [\s\S]*retry-after: 1[\s\S]*"code":"shutting_down"/i);
      expect(answers).toHaveLength(2);
      const users = (await recorded()).map((e) => e.userId);
      expect(users.filter((u) => u === 'visitor-101' || u === 'visitor-102')).toHaveLength(2);
      expect(users).not.toContain('visitor-103');
      expect(relay.logs.at(-1)).toMatchObject({ event: 'stop', signal: 'SIGTERM', allAnswered: true });
    } finally {
      await fetch(`${reference.url}/_stub/faults`, { method: 'DELETE' });
    }
  });
});

async function until(condition: () => Promise<boolean>, explain: () => string = () => '', timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met in time: ${explain()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describeWithRedis('limits shared by regal-relay processes on one Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis?.dispose());

  it('two processes with REGAL_REDIS_URL count one client together: 3 batches a minute in all, not 3 each', async () => {
    const env = { REGAL_REDIS_URL: redis.url, REGAL_LIMIT_BATCHES_PER_MINUTE: '3', REGAL_TRUST_PROXY: '1' };
    const [one, two] = await Promise.all([relayTo(`${reference.url}/events`, env), relayTo(`${reference.url}/events`, env)]);
    // As a load balancer would: traffic once /healthz says the store is reachable (a cold
    // process loads and connects its Redis client first).
    for (const relay of [one, two]) {
      const deadline = Date.now() + 10_000;
      while ((await fetch(`${relay.url}/healthz`).then(async (r) => (await r.arrayBuffer(), r.status))) !== 200) {
        expect(Date.now()).toBeLessThan(deadline);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await post(i % 2 === 0 ? one.url : two.url, [{ messageId: `svc-shared-${i}`, name: 'Page Viewed', traits: {} }], { 'x-forwarded-for': '198.51.100.77' });
      statuses.push(response.status);
      await response.body?.cancel();
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
    // Another client still gets through on either.
    expect((await post(two.url, [{ messageId: 'svc-shared-other', name: 'Page Viewed', traits: {} }], { 'x-forwarded-for': '198.51.100.78' })).status).toBe(200);
  });
});
