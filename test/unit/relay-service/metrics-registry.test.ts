import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '../../../src/relay-service/metrics-registry';

describe('the metrics registry', () => {
  it('exports the declared counters before the first event: at 0, or labelled ones from their first value', () => {
    const text = createMetricsRegistry([{ name: 'events_accepted' }, { name: 'state_errors' }, { name: 'upstream_requests', labelled: true }]).render();
    expect(text).toContain('# TYPE regal_relay_events_accepted_total counter\nregal_relay_events_accepted_total 0\n');
    expect(text).toContain('# TYPE regal_relay_state_errors_total counter\nregal_relay_state_errors_total 0\n');
    // By status: no series until a status is seen (a 0 for every possible status would be noise).
    expect(text).toContain('# TYPE regal_relay_upstream_requests_total counter\n');
    expect(text).not.toMatch(/^regal_relay_upstream_requests_total/m);
  });

  it('counts by label set, sorted and escaped as the exposition format wants', () => {
    const metrics = createMetricsRegistry();
    metrics.inc('upstream_requests', 1, { status: 200 });
    metrics.inc('upstream_requests', 2, { status: 200 });
    metrics.inc('upstream_requests', 1, { status: 503 });
    metrics.inc('odd', 1, { z: 'a"b\\c\nd', a: 1 });
    const text = metrics.render();
    expect(text).toContain('regal_relay_upstream_requests_total{status="200"} 3\n');
    expect(text).toContain('regal_relay_upstream_requests_total{status="503"} 1\n');
    expect(text).toContain('regal_relay_odd_total{a="1",z="a\\"b\\\\c\\nd"} 1\n');
  });

  it('exports milliseconds in seconds, as a counter or a histogram', () => {
    const metrics = createMetricsRegistry();
    metrics.inc('pacing_wait_ms', 1500);
    metrics.observe('claim_ms', 3);
    metrics.observe('claim_ms', 700);
    const text = metrics.render();
    expect(text).toContain('regal_relay_pacing_wait_seconds_total 1.5\n');
    expect(text).toContain('# TYPE regal_relay_claim_seconds histogram\n');
    expect(text).toContain('regal_relay_claim_seconds_bucket{le="0.005"} 1\n');
    expect(text).toContain('regal_relay_claim_seconds_bucket{le="0.5"} 1\n');
    expect(text).toContain('regal_relay_claim_seconds_bucket{le="1"} 2\n');
    expect(text).toContain('regal_relay_claim_seconds_bucket{le="+Inf"} 2\nregal_relay_claim_seconds_sum 0.703\nregal_relay_claim_seconds_count 2\n');
  });

  it('ignores what would break the format or a counter: bad names, negative or non-finite amounts', () => {
    const metrics = createMetricsRegistry();
    const before = metrics.render();
    metrics.inc('events accepted');
    metrics.inc('events_accepted', -1);
    metrics.inc('events_accepted', Number.NaN);
    metrics.observe('wait_ms', Number.POSITIVE_INFINITY);
    expect(metrics.render()).toBe(before);
  });
});
