import { readFileSync } from 'node:fs';
import { type LoadBalancerProcess, type ShardProcess, startLoadBalancerProcess, startShardProcess, TestClient } from '@odin-ws/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Resident memory of a process, MB, from /proc. */
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const workersOf = (pid: number) => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).map(Number);

/**
 * Connection churn through the load balancer: rounds of connections opened, then closed. Measured
 * before: each worker's resident memory grew round after round (+5 MB per 2,000 connections, the old
 * generation filling with garbage toward V8's own limit, far above what the LB needs). With its
 * old generation capped (--lb-worker-heap), it levels off: the memory has a bound.
 */
describe('load-balancer memory under connection churn (real LB and shard)', () => {
  const ROUNDS = 12;
  const PER_ROUND = 2000;
  let shard: ShardProcess;
  let lb: LoadBalancerProcess;

  beforeAll(async () => {
    shard = await startShardProcess({ topics: ['odin.trades'] });
    lb = await startLoadBalancerProcess({ backendUrls: [shard.url], workers: 2, args: ['--lb-worker-heap=96'] });
  }, 60_000);

  afterAll(async () => {
    await lb?.stop();
    await shard?.stop();
  });

  it(`levels off over ${ROUNDS} rounds of ${PER_ROUND} connections, no worker lost`, async () => {
    const workers = workersOf(lb.child.pid!);
    expect(workers).toHaveLength(2);
    const rounds: number[][] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // From 8 source addresses, so the per-address cap (1,000) is no part of it.
      const clients = await Promise.all(Array.from({ length: PER_ROUND }, (_, i) => TestClient.connect(lb.url, { localAddress: `127.0.0.${2 + (i % 8)}` })));
      for (const client of clients) client.socket.close();
      await Promise.all(clients.map((client) => client.closedPromise));
      await new Promise((resolve) => setTimeout(resolve, 500));
      rounds.push(workers.map(rssMb));
    }
    console.log(`[lb-memory] worker RSS MB per round: ${rounds.map((mb) => mb.map(Math.round).join('/')).join(' ')}`);
    expect(workersOf(lb.child.pid!)).toEqual(workers); // none died of the cap
    for (const [index] of workers.entries()) {
      const half = rounds[ROUNDS / 2 - 1]![index]!;
      const last = rounds[ROUNDS - 1]![index]!;
      expect(last - half, `worker ${index}: ${half} -> ${last} MB`).toBeLessThan(20); // uncapped: +31 to +38
      expect(last).toBeLessThan(260); // ~90 MB at start, 64 MB young generation, 96 MB old at most
    }
  }, 180_000);
});
