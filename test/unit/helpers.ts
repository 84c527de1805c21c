import { vi } from 'vitest';
import type { RelayResult } from '../../src/schema';

export interface Sent {
  url: string;
  headers: Record<string, string>;
  body: any;
  keepalive: boolean;
}

/**
 * A fake relay behind `fetch`: records every request and answers like the relay would
 * (everything accepted), unless `answer` says otherwise.
 */
export function fakeRelay(answer?: (body: any, n: number) => Response | Promise<Response> | 'network-error') {
  const sent: Sent[] = [];
  const fetchMock = vi.fn(async (url: string, init: RequestInit) => {
    const body = JSON.parse(String(init.body));
    const entry = { url: String(url), headers: init.headers as Record<string, string>, body, keepalive: !!init.keepalive };
    sent.push(entry);
    const custom = answer && (await answer(body, sent.length));
    if (custom === 'network-error') throw new TypeError('Failed to fetch');
    if (custom) return custom;
    const ids = body.batch ? body.batch.map((e: any) => e.messageId) : [];
    const result: RelayResult = { accepted: ids, rejected: [], retry: [] };
    return new Response(JSON.stringify(result), { status: 200, headers: { 'content-type': 'application/json' } });
  });
  vi.stubGlobal('fetch', fetchMock);
  return {
    sent,
    fetchMock,
    /** Every event that reached the relay, in order. */
    events: () => sent.flatMap((s) => s.body.batch || [s.body]),
  };
}

export const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));
