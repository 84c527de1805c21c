/**
 * Posts relay batches as many browsers would: `total` events in batches of `batchSize`
 * from `concurrency` parallel senders over keep-alive connections, and counts the answers.
 *
 * `visitors: 'each'` gives every event its own visitor (the relay forwards a batch's events
 * in parallel: the throughput case); `'batch'` makes each batch one visitor's (forwarded one
 * after another, in order: what one browser's batch costs).
 */
import { Agent, request } from 'node:http';

export interface LoadOptions {
  total: number;
  batchSize: number;
  concurrency: number;
  visitors: 'each' | 'batch';
  /** Makes messageIds unique across runs (the relay dedupes them). */
  prefix: string;
}

export interface LoadResult {
  accepted: number;
  retry: number;
  rejected: number;
  failedRequests: number;
  ms: number;
}

/** One event as the SDK sends it (a lead form's event of an identified visitor). */
export function benchEvent(messageId: string, visitor: number) {
  return {
    messageId,
    userId: `visitor-${visitor}`,
    traits: { phones: [{ phoneNumber: `+1555${String(visitor % 10_000_000).padStart(7, '0')}`, isPrimary: true }] },
    name: 'Lead Form Submitted',
    properties: { plan: 'pro', price: 49.5, page: '/pricing' },
    originalTimestamp: new Date().toISOString(),
    eventSource: 'Website',
  };
}

export async function postBatches(url: string, o: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
  const result: LoadResult = { accepted: 0, retry: 0, rejected: 0, failedRequests: 0, ms: 0 };
  let next = 0;
  let batchNo = 0;
  const post = (body: string) =>
    new Promise<{ accepted: string[]; retry: string[]; rejected: unknown[] }>((resolve, reject) => {
      const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'text/plain;charset=UTF-8', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          try {
            resolve(JSON.parse(text));
          } catch {
            reject(new Error(`relay answered ${res.statusCode}: ${text.slice(0, 200)}`));
          }
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  const sender = async () => {
    while (next < o.total) {
      const batch = [];
      const b = batchNo++;
      for (let i = 0; i < o.batchSize && next < o.total; i++, next++) batch.push(benchEvent(`${o.prefix}${next}`, o.visitors === 'each' ? next : b));
      try {
        const answer = await post(JSON.stringify({ batch, sentAt: new Date().toISOString() }));
        result.accepted += answer.accepted.length;
        result.retry += answer.retry.length;
        result.rejected += answer.rejected.length;
      } catch {
        result.failedRequests++;
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: o.concurrency }, sender));
  result.ms = performance.now() - t0;
  agent.destroy();
  return result;
}
