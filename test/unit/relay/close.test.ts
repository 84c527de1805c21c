/**
 * `relay.close()`: a graceful stop. Requests already sent upstream are awaited with their
 * record (a process that exits with one in flight loses the record that Regal has the
 * event, and the browser's resend reaches Regal twice); requests still waiting for their
 * turn never leave.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryState, type RelayState } from '../../../src/relay';
import { deferred, event, flush, ok, setup } from './helpers';

describe('relay.close()', () => {
  it('waits for a request still in flight upstream after its batch was answered, and its mark', async () => {
    const answer = deferred<Response>();
    const memory = createMemoryState();
    const marked: string[] = [];
    const state: RelayState = {
      ...memory,
      async markForwarded(messageId, windowMs) {
        marked.push(messageId);
        await memory.markForwarded(messageId, windowMs);
      },
    };
    const { relay, clock, upstream, post } = setup({ state, forwardTimeoutMs: 1_000, respond: () => answer.promise });
    const batch = post({ batch: [event('m1')] });
    await clock.advance(1_000);
    expect(await (await batch).json()).toMatchObject({ retry: ['m1'] }); // answered at its deadline
    expect(upstream.inFlight).toBe(1); // the request runs on

    let closed = false;
    const closing = relay.close().then(() => (closed = true));
    await clock.advance(2_000);
    expect(closed).toBe(false);

    answer.resolve(ok());
    await closing;
    expect(marked).toEqual(['m1']);
    // The browser's resend, to another instance sharing the state, is not sent again.
    const other = setup({ state });
    expect(await (await other.post({ batch: [event('m1')] })).json()).toMatchObject({ accepted: ['m1'] });
    expect(other.upstream.calls).toHaveLength(0);
  });

  it('sends nothing more: events waiting for their turn are answered retry', async () => {
    const { relay, clock, upstream, post } = setup({ rateLimitPerSecond: 1 });
    const batch = post({ batch: [event('m1', { userId: 'u1' }), event('m2', { userId: 'u2' }), event('m3', { userId: 'u3' })] });
    await flush();
    expect(upstream.calls).toHaveLength(1); // m2 and m3 wait 1 s and 2 s for their turns
    const closing = relay.close();
    await clock.advance(3_000);
    await closing;
    expect(upstream.calls).toHaveLength(1);
    expect(await (await batch).json()).toMatchObject({ accepted: ['m1'], retry: ['m2', 'm3'] });
    // A batch posted after close is answered retry, without a request.
    expect(await (await post({ batch: [event('m4')] })).json()).toMatchObject({ retry: ['m4'] });
    expect(upstream.calls).toHaveLength(1);
  });

  it('resolves at once when nothing is in flight', async () => {
    const { relay } = setup();
    await expect(relay.close()).resolves.toBeUndefined();
  });
});
