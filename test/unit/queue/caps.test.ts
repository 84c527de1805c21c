// The queue's limits (maxEvents, maxBytes, maxAgeMs): past them the oldest go, counted and
// reported, never silently.
import { describe, expect, it, vi } from 'vitest';
import { clientsPerTest, fakeRelay } from '../helpers';

const make = clientsPerTest();

describe('queue caps', () => {
  it('drops the oldest past the count cap, counting and reporting them', async () => {
    fakeRelay();
    const regal = make({ maxEvents: 5 });
    const dropped: number[] = [];
    regal.on('dropped', (d) => d.reason == 'overflow' && dropped.push(d.count));
    for (let i = 0; i < 8; i++) regal.track(`e${i}`);
    await regal.flush();
    expect(regal.stats()).toMatchObject({ held: 5, dropped: { overflow: 3 } });
    expect(dropped.reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('drops the oldest past the byte cap', async () => {
    fakeRelay();
    const regal = make({ maxBytes: 3000 });
    for (let i = 0; i < 10; i++) regal.track(`e${i}`, { pad: 'x'.repeat(500) });
    await regal.flush();
    expect(regal.stats().held).toBeLessThanOrEqual(4);
    expect(regal.stats().dropped.overflow).toBe(10 - regal.stats().held);
  });

  it('drops events past the maximum age on the next visit', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
      fakeRelay();
      const first = make({ maxAgeMs: 1000 * 60 });
      await first.track('old');
      first.destroy();
      vi.setSystemTime(new Date('2026-01-01T00:02:00Z'));
      const second = make({ maxAgeMs: 1000 * 60 });
      await second.ready();
      expect(second.stats()).toMatchObject({ held: 0, dropped: { expired: 1 } });
    } finally {
      vi.useRealTimers();
    }
  });
});
