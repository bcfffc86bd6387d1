import { describe, expect, it, vi } from 'vitest';
import { AdmissionControl, perWorkerAdmission } from './admission.js';

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
    // Three addresses: one IP alone may hold no more than its share (see the fair-share case).
    const queued = [admission.admit('b'), admission.admit('c')];
    expect(admission.admit('d')).toBe('queue_full');
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

  it('gives one IP at most what its rate admits within the longest wait, so it cannot lock others out of the queue', async () => {
    // ip rate 5/s x 0.5 s wait: one IP holds at most ceil(2.5) = 3 of the 4 places. Its tokens come
    // back at 200, 400 and 600 ms: the first two within the wait, the third after it. (Each 100 ms
    // from the deadline: a timer late under load does not change the outcome.)
    const admission = new AdmissionControl({ ratePerSecond: 1000, ipRatePerSecond: 5, queueDepth: 4, maxWaitMs: 500 });
    expect(Array.from({ length: 5 }, () => admission.admit('hog'))).toEqual(Array(5).fill('admitted'));
    const hogWaiting = [admission.admit('hog'), admission.admit('hog'), admission.admit('hog')];
    expect([admission.admit('hog'), admission.admit('hog'), admission.admit('hog')]).toEqual(['ip_queue_full', 'ip_queue_full', 'ip_queue_full']);
    // Without the share, the hog's fourth wait would have filled the queue and this would be queue_full.
    expect(await admission.admit('other')).toBe('admitted');
    expect(await Promise.all(hogWaiting)).toEqual(['admitted', 'admitted', 'wait_expired']);
  });
});

describe('AdmissionControl and the clock', () => {
  it("admits a new IP's first handshake even when the clock moves on between reading it and making its bucket", () => {
    let clock = 1_000_000;
    const now = vi.spyOn(Date, 'now').mockImplementation(() => clock++);
    try {
      const admission = new AdmissionControl({ ratePerSecond: 2000, ipRatePerSecond: 1, queueDepth: 0, maxWaitMs: 3000 });
      expect(admission.admit('203.0.113.7')).toBe('admitted');
    } finally {
      now.mockRestore();
    }
  });
});

describe('perWorkerAdmission', () => {
  it("splits the whole load balancer's rates and queue evenly over its workers, rates never below 1", () => {
    expect(perWorkerAdmission({ ratePerSecond: 4000, ipRatePerSecond: 2000, queueDepth: 20_000, maxWaitMs: 3000 }, 2)).toEqual({
      ratePerSecond: 2000,
      ipRatePerSecond: 1000,
      queueDepth: 10_000,
      maxWaitMs: 3000,
    });
    expect(perWorkerAdmission({ ratePerSecond: 1, ipRatePerSecond: 1, queueDepth: 0, maxWaitMs: 1 }, 4)).toMatchObject({
      ratePerSecond: 1,
      ipRatePerSecond: 1,
      queueDepth: 0,
    });
  });
});
