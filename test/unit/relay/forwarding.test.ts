// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type { DedupeStore } from '../../../src/relay';
import { deferred, event, flush, ok, setup, status } from './helpers';

const json = (response: Response) => response.json() as Promise<{ accepted: string[]; rejected: Array<{ messageId: string; reason: string }>; retry: string[] }>;

describe('what the relay sends to Regal', () => {
  it('posts one CustomEvent per request as JSON, with the API key bare in Authorization', async () => {
    const { post, upstream } = setup();
    await post({ batch: [event('m1'), event('m2', { userId: 'visitor-2' })] });
    expect(upstream.calls).toHaveLength(2);
    for (const call of upstream.calls) {
      expect(call.url).toBe('https://events.regalvoice.com/events');
      expect(call.method).toBe('POST');
      expect(call.headers.get('authorization')).toBe('test-regal-key');
      expect(call.headers.get('content-type')).toBe('application/json');
    }
    expect(upstream.calls.map((call) => call.body.name)).toEqual(['event m1', 'event m2']);
  });

  it('strips messageId and every top-level field Regal does not take, and keeps custom traits', async () => {
    const { post, upstream } = setup();
    const sent = event('m1', { anonymousId: 'anon-1', context: { page: '/' }, sentAt: 'x', properties: { course: 'AI' }, traits: { firstName: 'Jane', plan: 'gold', phones: [{ phoneNumber: '+15551234567' }] } });
    await post({ batch: [sent] });
    expect(upstream.calls[0].body).toEqual({
      userId: 'visitor-1',
      traits: { firstName: 'Jane', plan: 'gold', phones: [{ phoneNumber: '+15551234567' }] },
      name: 'event m1',
      properties: { course: 'AI' },
      originalTimestamp: '2026-05-24T15:00:00.000Z',
      eventSource: 'Website',
    });
  });

  it("stamps the client's IP on every opt-in, over any ip the page put there, and on nothing else", async () => {
    const { post, upstream } = setup();
    const traits = {
      phones: [
        { phoneNumber: '+15551234567', voiceOptIn: { subscribed: true, timestamp: 't', source: 'form' }, smsOptIn: { subscribed: true, ip: '198.51.100.1' } },
        { phoneNumber: '+15557654321' },
      ],
      emails: [{ emailAddress: 'jane@example.com', emailOptIn: { subscribed: false } }],
    };
    await post({ batch: [event('m1', { traits })] }, {}, '203.0.113.7');
    const sent = upstream.calls[0].body.traits;
    expect(sent.phones[0].voiceOptIn).toEqual({ subscribed: true, timestamp: 't', source: 'form', ip: '203.0.113.7' });
    // The page cannot choose where its consent came from: the relay's view of the client wins.
    expect(sent.phones[0].smsOptIn).toEqual({ subscribed: true, ip: '203.0.113.7' });
    expect(sent.phones[1]).toEqual({ phoneNumber: '+15557654321' });
    expect(sent.emails[0].emailOptIn).toEqual({ subscribed: false, ip: '203.0.113.7' });
    expect(upstream.calls[0].text).not.toContain('"ip":"203.0.113.7","ip"');
  });

  it.each([
    [false, '10.0.0.1'],
    [1, '10.0.0.2'],
    [2, '203.0.113.9'],
    [true, '198.51.100.4'],
  ] as const)('with trustProxy %s takes the client IP %s from X-Forwarded-For / the socket', async (trustProxy, expected) => {
    const { post, upstream } = setup({ trustProxy });
    const traits = { phones: [{ phoneNumber: '+15551234567', smsOptIn: { subscribed: true } }] };
    await post({ batch: [event('m1', { traits })] }, { headers: { 'x-forwarded-for': '198.51.100.4, 203.0.113.9, 10.0.0.2' } }, '10.0.0.1');
    expect(upstream.calls[0].body.traits.phones[0].smsOptIn.ip).toBe(expected);
  });

  it('stamps no IP when the trusted X-Forwarded-For entry is not an address', async () => {
    const { post, upstream } = setup({ trustProxy: true });
    const traits = { phones: [{ phoneNumber: '+15551234567', smsOptIn: { subscribed: true } }] };
    await post({ batch: [event('m1', { traits })] }, { headers: { 'x-forwarded-for': '<script>, 10.0.0.2' } });
    expect(upstream.calls[0].body.traits.phones[0].smsOptIn).toEqual({ subscribed: true });
  });
});

describe('never forwarding a messageId twice', () => {
  it('answers a repeat of a forwarded messageId as accepted without sending it again', async () => {
    const { post, upstream } = setup();
    expect(await json(await post({ batch: [event('m1')] }))).toMatchObject({ accepted: ['m1'] });
    expect(await json(await post({ batch: [event('m1'), event('m2')] }))).toMatchObject({ accepted: ['m1', 'm2'] });
    expect(upstream.names()).toEqual(['event m1', 'event m2']);
  });

  it('makes a request racing with one that is forwarding the same messageId wait for its outcome', async () => {
    const answer = deferred<Response>();
    const { post, upstream } = setup({ respond: () => answer.promise });
    const beacon = post({ batch: [event('m1')] });
    await flush();
    const retried = post({ batch: [event('m1')] });
    await flush();
    expect(upstream.calls).toHaveLength(1);
    answer.resolve(ok());
    expect(await json(await beacon)).toMatchObject({ accepted: ['m1'] });
    expect(await json(await retried)).toMatchObject({ accepted: ['m1'] });
    expect(upstream.calls).toHaveLength(1);
  });

  it('lets the waiting request try itself when the one it waited for ends in retry', async () => {
    const first = deferred<Response>();
    const { post, upstream } = setup({ respond: (_, i) => (i === 0 ? first.promise : ok()) });
    const a = post({ batch: [event('m1')] });
    await flush();
    const b = post({ batch: [event('m1')] });
    await flush();
    first.resolve(status(401)); // relay misconfigured for a moment: a's answer is retry
    expect(await json(await a)).toMatchObject({ retry: ['m1'] });
    expect(await json(await b)).toMatchObject({ accepted: ['m1'] });
    expect(upstream.calls).toHaveLength(2);
  });

  it('marks a messageId only after upstream 200: an event that was not delivered is sent again', async () => {
    const { post, upstream } = setup({ respond: (_, i) => (i === 0 ? status(401) : ok()) });
    expect(await json(await post({ batch: [event('m1')] }))).toMatchObject({ retry: ['m1'] });
    expect(await json(await post({ batch: [event('m1')] }))).toMatchObject({ accepted: ['m1'] });
    expect(await json(await post({ batch: [event('m1')] }))).toMatchObject({ accepted: ['m1'] });
    expect(upstream.calls).toHaveLength(2);
  });

  it('uses a custom (async) DedupeStore with the configured window', async () => {
    const added: Array<[string, number]> = [];
    const ids = new Set<string>(['old']);
    const dedupe: DedupeStore = {
      has: async (id) => ids.has(id),
      add: async (id, ttl) => {
        added.push([id, ttl]);
        ids.add(id);
      },
    };
    const { post, upstream } = setup({ dedupe, dedupeWindowMs: 60_000 });
    expect(await json(await post({ batch: [event('old'), event('new')] }))).toMatchObject({ accepted: ['old', 'new'] });
    expect(upstream.names()).toEqual(['event new']);
    expect(added).toEqual([['new', 60_000]]);
  });

  it('answers retry, without forwarding, when the dedupe store cannot say whether an id is new', async () => {
    const dedupe: DedupeStore = {
      has: () => Promise.reject(new Error('redis down')),
      add: () => undefined,
    };
    const { post, upstream, errors } = setup({ dedupe });
    expect(await json(await post({ batch: [event('m1')] }))).toMatchObject({ retry: ['m1'] });
    expect(upstream.calls).toHaveLength(0);
    expect(errors[0]).toMatchObject({ messageId: 'm1', reason: expect.stringContaining('redis down'), willRetry: false });
  });

  it('still answers accepted when the store fails to record a delivered event, and reports it', async () => {
    const dedupe: DedupeStore = {
      has: () => false,
      add: () => {
        throw new Error('redis down');
      },
    };
    const { post, errors } = setup({ dedupe });
    expect(await json(await post({ batch: [event('m1')] }))).toMatchObject({ accepted: ['m1'] });
    expect(errors[0]).toMatchObject({ messageId: 'm1', reason: expect.stringContaining('add(): redis down') });
  });
});

describe('upstream failures', () => {
  it('on 429 pauses the whole relay for Retry-After seconds, then sends again', async () => {
    const { post, upstream, clock } = setup({ respond: (_, i) => (i === 0 ? status(429, { message: 'Rate limit exceeded' }, { 'retry-after': '2' }) : ok()) });
    const t0 = clock.now();
    const first = post({ batch: [event('m1')] });
    await clock.advance(500);
    // Another visitor's batch arriving during the pause waits for it too.
    const second = post({ batch: [event('m2', { userId: 'visitor-2' })] });
    await clock.advance(1_499);
    expect(upstream.calls).toHaveLength(1);
    await clock.advance(1);
    expect(upstream.calls.map((call) => [call.body.name, call.at - t0])).toEqual([
      ['event m1', 0],
      ['event m1', 2_000],
      ['event m2', 2_000],
    ]);
    expect(await json(await first)).toMatchObject({ accepted: ['m1'] });
    expect(await json(await second)).toMatchObject({ accepted: ['m2'] });
  });

  it('honours Retry-After given as an HTTP date', async () => {
    const { post, upstream, clock } = setup({ respond: (_, i) => (i === 0 ? status(429, {}, { 'retry-after': new Date(clock.now() + 3_000).toUTCString() }) : ok()) });
    const t0 = clock.now();
    const pending = post({ batch: [event('m1')] });
    await clock.advance(3_000);
    expect(await json(await pending)).toMatchObject({ accepted: ['m1'] });
    expect(upstream.calls[1].at - t0).toBeGreaterThan(2_000);
    expect(upstream.calls[1].at - t0).toBeLessThanOrEqual(3_000);
  });

  it('answers retry at once when Retry-After outlasts the time budget, with a Retry-After hint', async () => {
    const { post, upstream, errors } = setup({ respond: () => status(429, {}, { 'retry-after': '60' }) });
    const response = await post({ batch: [event('m1')] });
    expect(await json(response)).toMatchObject({ retry: ['m1'] });
    expect(response.headers.get('retry-after')).toBe('60');
    expect(upstream.calls).toHaveLength(1);
    expect(errors).toEqual([expect.objectContaining({ messageId: 'm1', status: 429, willRetry: false })]);
  });

  it('retries 5xx and network errors with backoff, then succeeds', async () => {
    const responses = [() => status(503), () => Promise.reject(new TypeError('fetch failed')), () => status(502), () => ok()];
    const { post, upstream, clock, errors } = setup({ respond: (_, i) => responses[i]() });
    const t0 = clock.now();
    const pending = post({ batch: [event('m1')] });
    await clock.advance(10_000);
    expect(await json(await pending)).toMatchObject({ accepted: ['m1'] });
    // Full jitter with random() = 0.5: half of 200, 400, 800 ms.
    expect(upstream.calls.map((call) => call.at - t0)).toEqual([0, 100, 300, 700]);
    expect(errors.map((info) => [info.status, info.willRetry])).toEqual([
      [503, true],
      [undefined, true],
      [502, true],
    ]);
    expect(errors[1].reason).toBe('upstream unreachable: fetch failed');
  });

  it('waits the Retry-After of a 503 before trying that event again', async () => {
    const { post, upstream, clock } = setup({ respond: (_, i) => (i === 0 ? status(503, {}, { 'retry-after': '1' }) : ok()) });
    const t0 = clock.now();
    const pending = post({ batch: [event('m1')] });
    await clock.advance(1_000);
    expect(await json(await pending)).toMatchObject({ accepted: ['m1'] });
    expect(upstream.calls.map((call) => call.at - t0)).toEqual([0, 1_000]);
  });

  it('retries 408 like a 5xx', async () => {
    const { post, upstream, clock } = setup({ respond: (_, i) => (i === 0 ? status(408) : ok()) });
    const pending = post({ batch: [event('m1')] });
    await clock.advance(1_000);
    expect(await json(await pending)).toMatchObject({ accepted: ['m1'] });
    expect(upstream.calls).toHaveLength(2);
  });

  it("rejects an event Regal refuses with 400, with Regal's status and message as the reason", async () => {
    const { post, upstream } = setup({ respond: () => status(400, { message: 'traits.phones.0.phoneNumber: expected string', code: 'invalid' }) });
    expect(await json(await post({ batch: [event('m1')] }))).toEqual({
      accepted: [],
      rejected: [{ messageId: 'm1', reason: 'upstream 400: traits.phones.0.phoneNumber: expected string' }],
      retry: [],
    });
    expect(upstream.calls).toHaveLength(1);
  });

  it('quotes a text error body in the reason', async () => {
    const { post } = setup({ respond: () => new Response('Unprocessable thing', { status: 422 }) });
    expect((await json(await post({ batch: [event('m1')] }))).rejected).toEqual([{ messageId: 'm1', reason: 'upstream 422: Unprocessable thing' }]);
  });

  it('answers retry, not rejected, when Regal refuses the key (401): the event is fine, the relay is not', async () => {
    const { post, upstream, errors } = setup({ respond: () => status(401, { message: 'Invalid API key' }) });
    expect(await json(await post({ batch: [event('m1')] }))).toMatchObject({ retry: ['m1'], rejected: [] });
    expect(upstream.calls).toHaveLength(1);
    expect(errors[0]).toMatchObject({ status: 401, reason: 'upstream 401: Invalid API key', willRetry: false });
  });

  it('times an upstream request out and answers retry when the budget runs out', async () => {
    const { post, upstream, clock, errors } = setup({ respond: () => new Promise<Response>(() => {}), forwardTimeoutMs: 10_000, upstreamTimeoutMs: 4_000 });
    const t0 = clock.now();
    let answered = false;
    const pending = post({ batch: [event('m1')] }).then((response) => {
      answered = true;
      return response;
    });
    await clock.advance(9_999);
    expect(answered).toBe(false);
    await clock.advance(1);
    expect(await json(await pending)).toEqual({ accepted: [], rejected: [], retry: ['m1'] });
    expect(upstream.calls.map((call) => call.at - t0)).toEqual([0, 4_100, 8_300]);
    // The request in flight at the deadline runs to its own timeout, and no other follows.
    expect(upstream.calls[2].signal?.aborted).toBe(false);
    await clock.advance(2_300);
    expect(upstream.calls.every((call) => call.signal?.aborted)).toBe(true);
    await clock.advance(10_000);
    expect(upstream.calls).toHaveLength(3);
    expect(errors.map((info) => [info.reason, info.willRetry])).toEqual([
      ['upstream timed out after 4000 ms', true],
      ['upstream timed out after 4000 ms', true],
      ['upstream timed out after 4000 ms', false],
    ]);
  });

  it('makes a resend wait for a request still in flight from a batch answered retry, instead of sending a copy', async () => {
    const slow = deferred<Response>();
    const { post, upstream, clock } = setup({ respond: () => slow.promise, forwardTimeoutMs: 1_000 });
    const first = post({ batch: [event('m1')] });
    await clock.advance(1_000);
    expect(await json(await first)).toMatchObject({ retry: ['m1'] });
    const resend = post({ batch: [event('m1')] });
    await clock.advance(100);
    slow.resolve(ok()); // Regal had it all along
    expect(await json(await resend)).toMatchObject({ accepted: ['m1'] });
    expect(upstream.calls).toHaveLength(1);
  });

  it('answers at the deadline even while events still wait for a concurrency slot', async () => {
    const { post, upstream, clock } = setup({ respond: () => new Promise<Response>(() => {}), concurrency: 1, forwardTimeoutMs: 1_000 });
    const pending = post({ batch: [event('a', { userId: 'a' }), event('b', { userId: 'b' })] });
    await clock.advance(1_000);
    expect(await json(await pending)).toEqual({ accepted: [], rejected: [], retry: ['a', 'b'] });
    await clock.advance(10_000);
    expect(upstream.names()).toEqual(['event a']); // b never went out after its batch was answered
  });

  it('gives up retrying 5xx when the next backoff would end past the budget', async () => {
    const { post, upstream, clock } = setup({ respond: () => status(500), forwardTimeoutMs: 2_000 });
    const pending = post({ batch: [event('m1')] });
    await clock.advance(2_000);
    expect(await json(await pending)).toMatchObject({ retry: ['m1'] });
    // 0, +100, +200, +400, +800 = 1500; the next (+1600) would pass 2000.
    expect(upstream.calls).toHaveLength(5);
  });
});

describe('order and bounds', () => {
  it("sends one visitor's events in batch order, one at a time, and other visitors' in parallel", async () => {
    const answers = new Map<string, ReturnType<typeof deferred<Response>>>();
    const { post, upstream } = setup({
      respond: (call) => {
        const answer = deferred<Response>();
        answers.set(call.body.name, answer);
        return answer.promise;
      },
    });
    const batch = [event('a1', { userId: 'a' }), event('b1', { userId: 'b' }), event('a2', { userId: 'a' }), event('a3', { userId: 'a' })];
    const pending = post({ batch });
    await flush();
    expect(upstream.names()).toEqual(['event a1', 'event b1']);
    answers.get('event a1')!.resolve(ok());
    await flush();
    expect(upstream.names()).toEqual(['event a1', 'event b1', 'event a2']);
    answers.get('event a2')!.resolve(ok());
    await flush();
    answers.get('event a3')!.resolve(ok());
    answers.get('event b1')!.resolve(ok());
    expect(await json(await pending)).toMatchObject({ accepted: ['a1', 'b1', 'a2', 'a3'] });
    expect(upstream.names()).toEqual(['event a1', 'event b1', 'event a2', 'event a3']);
  });

  it('treats events linked through a shared phone or email as one visitor', async () => {
    const answers: Array<ReturnType<typeof deferred<Response>>> = [];
    const { post, upstream } = setup({
      respond: () => {
        answers.push(deferred<Response>());
        return answers.at(-1)!.promise;
      },
    });
    const phone = { phones: [{ phoneNumber: '+15551234567' }] };
    const batch = [
      { messageId: 'x1', traits: phone, name: 'identify' },
      { messageId: 'x2', userId: 'u-9', traits: { ...phone, emails: [{ emailAddress: 'Jane@Example.com' }] }, name: 'signup' },
      { messageId: 'x3', traits: { emails: [{ emailAddress: 'jane@example.com' }] }, name: 'purchase' },
    ];
    const pending = post({ batch });
    for (let i = 0; i < 3; i++) {
      await flush();
      expect(upstream.calls).toHaveLength(i + 1);
      answers[i].resolve(ok());
    }
    expect(await json(await pending)).toMatchObject({ accepted: ['x1', 'x2', 'x3'] });
    expect(upstream.names()).toEqual(['identify', 'signup', 'purchase']);
  });

  it("answers a visitor's later events retry, unsent, when an earlier one must be retried", async () => {
    const { post, upstream } = setup({ respond: (call) => (call.body.name === 'event a1' ? status(401) : ok()) });
    const batch = [event('a1', { userId: 'a' }), event('a2', { userId: 'a' }), event('b1', { userId: 'b' })];
    expect(await json(await post({ batch }))).toEqual({ accepted: ['b1'], rejected: [], retry: ['a1', 'a2'] });
    expect(upstream.names()).toEqual(['event a1', 'event b1']);
  });

  it('continues with the next event of a visitor after a final rejection', async () => {
    const { post } = setup({ respond: (call) => (call.body.name === 'event a1' ? status(400) : ok()) });
    const result = await json(await post({ batch: [event('a1'), event('a2')] }));
    expect(result.rejected.map((r) => r.messageId)).toEqual(['a1']);
    expect(result.accepted).toEqual(['a2']);
  });

  it('keeps at most `concurrency` upstream requests in flight, across batches', async () => {
    const answers: Array<ReturnType<typeof deferred<Response>>> = [];
    const { post, upstream } = setup({
      concurrency: 3,
      respond: () => {
        answers.push(deferred<Response>());
        return answers.at(-1)!.promise;
      },
    });
    const visitors = (prefix: string) => Array.from({ length: 5 }, (_, i) => event(`${prefix}${i}`, { userId: `${prefix}${i}` }));
    const batches = [post({ batch: visitors('a') }), post({ batch: visitors('b') })];
    for (let answered = 0; answered < 10; answered++) {
      await flush();
      expect(upstream.inFlight).toBeLessThanOrEqual(3);
      answers[answered].resolve(ok());
    }
    const results = await Promise.all(batches.map(async (b) => json(await b)));
    expect(results.flatMap((r) => r.accepted)).toHaveLength(10);
    expect(upstream.maxInFlight).toBe(3);
  });

  it('paces upstream requests: N events at a limit of L per second take about N/L seconds', async () => {
    // 250 visitors in one batch from one address: a load test, not a browser (limits off).
    const { post, upstream, clock } = setup({ rateLimitPerSecond: 100, limits: false });
    const t0 = clock.now();
    const batch = Array.from({ length: 250 }, (_, i) => event(`m${i}`, { userId: `v${i}` }));
    const pending = post({ batch });
    await clock.advance(3_000);
    expect((await json(await pending)).accepted).toHaveLength(250);
    const times = upstream.calls.map((call) => call.at - t0);
    expect(times[times.length - 1]).toBeCloseTo(2_490, 0);
    // Never more than L requests in any one-second window.
    for (let i = 100; i < times.length; i++) expect(times[i] - times[i - 100]).toBeGreaterThanOrEqual(1_000 - 1e-6);
  });

  it('shares the pace across concurrent batches, and answers retry what cannot go before the deadline', async () => {
    const { post, upstream, clock } = setup({ rateLimitPerSecond: 2, forwardTimeoutMs: 2_000 });
    const a = post({ batch: [event('a1', { userId: 'a1' }), event('a2', { userId: 'a2' })] });
    const b = post({ batch: [event('b1', { userId: 'b1' }), event('b2', { userId: 'b2' })] });
    await clock.advance(2_000);
    const results = [await json(await a), await json(await b)];
    expect(results.flatMap((r) => r.accepted)).toHaveLength(4);
    const c = post({ batch: Array.from({ length: 6 }, (_, i) => event(`c${i}`, { userId: `c${i}` })) });
    await clock.advance(2_000);
    const late = await json(await c);
    expect(late.accepted).toHaveLength(4); // 2 per second for 2 seconds
    expect(late.retry).toHaveLength(2);
    expect(upstream.calls).toHaveLength(8);
  });
});
