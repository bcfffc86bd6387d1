import { describe, expect, it } from 'vitest';
import { AdmissionControl } from './admission.js';

describe('AdmissionControl', () => {
  it('admits a burst up to the rate at once, queues the rest and admits them as tokens return', async () => {
    const admission = new AdmissionControl({ ratePerSecond: 100, ipRatePerSecond: 1000, queueDepth: 1000, maxWaitMs: 5000 });
    const startedAt = Date.now();
    const results = await Promise.all(Array.from({ length: 150 }, () => admission.admit('10.0.0.1')));
    expect(results.every((result) => result === 'admitted')).toBe(true);
    // 100 from the full bucket, 50 more at 100/s: about half a second, never instant.
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(400);
  });

  it('refuses beyond the queue depth and when the wait expires', async () => {
    const admission = new AdmissionControl({ ratePerSecond: 1, ipRatePerSecond: 1, queueDepth: 2, maxWaitMs: 100 });
    expect(admission.admit('a')).toBe('admitted');
    const queued = [admission.admit('a'), admission.admit('a')];
    expect(admission.admit('a')).toBe('queue_full');
    expect(admission.queueDepth).toBe(2);
    expect(await Promise.all(queued)).toEqual(['wait_expired', 'wait_expired']);
  });

  it('limits each IP on its own without holding back others', async () => {
    const admission = new AdmissionControl({ ratePerSecond: 1000, ipRatePerSecond: 2, queueDepth: 100, maxWaitMs: 50 });
    expect([admission.admit('greedy'), admission.admit('greedy')]).toEqual(['admitted', 'admitted']);
    const waiting = admission.admit('greedy');
    expect(await admission.admit('polite')).toBe('admitted');
    expect(await waiting).toBe('wait_expired');
  });
});
