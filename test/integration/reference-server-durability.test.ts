/**
 * Nothing accepted is lost: the record survives a restart (events, contacts, sequence
 * numbers), a last line torn by a crash is cut without losing the lines before it, and
 * concurrent requests are all written, each whole, in sequence order.
 */
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startReferenceServer, type ReferenceServer } from '../../demo/server/reference-server';
import type { CustomEvent } from '../../src/wire/schema';

let dataDir: string;
const running: ReferenceServer[] = [];

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'regal-durable-'));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
  await rm(dataDir, { recursive: true, force: true });
});

async function start(): Promise<ReferenceServer> {
  const server = await startReferenceServer({ port: 0, dataDir, quiet: true });
  running.push(server);
  return server;
}

async function stop(server: ReferenceServer): Promise<void> {
  running.splice(running.indexOf(server), 1);
  await server.close();
}

async function post(server: ReferenceServer, event: CustomEvent): Promise<number> {
  const response = await fetch(`${server.url}/events`, {
    method: 'POST',
    headers: { Authorization: server.apiKey, 'Content-Type': 'application/json' },
    body: JSON.stringify(event),
  });
  return response.status;
}

const inspect = async (server: ReferenceServer) => ({
  events: (await (await fetch(`${server.url}/_stub/events`)).json()).events,
  contacts: (await (await fetch(`${server.url}/_stub/contacts`)).json()).contacts,
});

const logLines = async () => (await readFile(join(dataDir, 'events.jsonl'), 'utf8')).split('\n');

const SCENARIO: CustomEvent[] = [
  { traits: {}, userId: 'u1', name: 'Pricing Viewed' },
  { traits: { phones: [{ phoneNumber: '+15551234567', isPrimary: true, smsOptIn: { subscribed: true } }] }, userId: 'u1', name: 'Lead' },
  { traits: {}, userId: 'u1', name: 'Checkout' },
  { traits: { emails: [{ emailAddress: 'other@example.com' }] }, name: 'Newsletter' },
];

describe('the record on disk', () => {
  it('survives a restart: same events, same contacts, and sequence numbers continue', async () => {
    const first = await start();
    for (const event of SCENARIO) expect(await post(first, event)).toBe(200);
    const before = await inspect(first);
    await stop(first);

    const second = await start();
    const after = await inspect(second);
    expect(after).toEqual(before);
    expect(after.events.map((e: { contactId: string | null }) => e.contactId)).toEqual([
      null,
      'contact_1',
      'contact_1',
      'contact_2',
    ]);

    expect(await post(second, { traits: {}, userId: 'u1', name: 'After Restart' })).toBe(200);
    const [latest] = (await inspect(second)).events.slice(-1);
    expect(latest).toMatchObject({ seq: 5, contactId: 'contact_1', name: 'After Restart' });
  });

  it('cuts a torn last line on start, keeps every whole one, and appends cleanly after it', async () => {
    const first = await start();
    for (const event of SCENARIO.slice(0, 2)) await post(first, event);
    await stop(first);
    await appendFile(join(dataDir, 'events.jsonl'), '{"seq":3,"receivedAt":"2026-05-24T15:00:00Z","event":{"tra');

    const second = await start();
    expect((await inspect(second)).events).toHaveLength(2);
    expect(await post(second, { traits: {}, userId: 'u1', name: 'Next' })).toBe(200);
    const lines = await logLines();
    expect(lines.pop()).toBe('');
    expect(lines.map((line) => JSON.parse(line).seq)).toEqual([1, 2, 3]);
    await stop(second);

    const third = await start();
    expect((await inspect(third)).events.map((e: { name: string }) => e.name)).toEqual(['Pricing Viewed', 'Lead', 'Next']);
  });

  it('keeps a whole last line that only lacks its newline', async () => {
    const first = await start();
    await post(first, SCENARIO[0]);
    await stop(first);
    const line = JSON.stringify({ seq: 2, receivedAt: '2026-05-24T15:00:00Z', event: { traits: {}, name: 'Unterminated' } });
    await appendFile(join(dataDir, 'events.jsonl'), line);

    const second = await start();
    expect(await post(second, { traits: {}, name: 'Third' })).toBe(200);
    expect((await inspect(second)).events.map((e: { seq: number; name: string }) => [e.seq, e.name])).toEqual([
      [1, 'Pricing Viewed'],
      [2, 'Unterminated'],
      [3, 'Third'],
    ]);
  });

  it('skips a damaged line in the middle and keeps the lines after it', async () => {
    const first = await start();
    await post(first, SCENARIO[0]);
    await stop(first);
    // Damage that is not even UTF-8, then a tail torn inside a two-byte character: the cut
    // must be counted in bytes of the file, not of its decoded text.
    await appendFile(
      join(dataDir, 'events.jsonl'),
      Buffer.concat([
        Buffer.from([0x67, 0xff, 0xfe, 0x0a]),
        Buffer.from('{"not":"a record"}\n{"seq":9,"receivedAt":"x","event":{"traits":{},"name":"caf'),
        Buffer.from([0xc3]),
      ]),
    );
    const second = await start();
    await post(second, { traits: {}, name: 'After Damage' });
    await stop(second);

    const third = await start();
    expect((await inspect(third)).events.map((e: { name: string }) => e.name)).toEqual(['Pricing Viewed', 'After Damage']);
  });

  it('writes every one of many concurrent events, each line whole and in sequence order', async () => {
    const server = await start();
    const statuses = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        post(server, { traits: { phones: [{ phoneNumber: `+1555000${String(i).padStart(4, '0')}` }] }, name: `E${i}` }),
      ),
    );
    expect(statuses.every((status) => status === 200)).toBe(true);
    const lines = await logLines();
    lines.pop();
    expect(lines.map((line) => JSON.parse(line).seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    await stop(server);

    const again = await start();
    const { events, contacts } = await inspect(again);
    expect(events).toHaveLength(100);
    expect(contacts).toHaveLength(100);
  });
});
