import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultOptionValues, loadBalancerConfigFrom } from '@odin-ws/config';
import { createLogger } from '@odin-ws/observability';
import { SHARD_LOAD_PATH, type ShardLoadReport } from '@odin-ws/protocol';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createLoadBalancerMetrics } from '../lb-metrics.js';
import { ShardPool } from './shard-pool.js';

// The pool with its real list-file watcher and /load polling; the shards are small HTTP servers on
// loopback that answer /load as a shard would.

const HEALTH_INTERVAL_MS = 100;
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/**
 * A stand-in shard that reports itself as `shardId` on /load; its ws:// URL. With `held`, answers wait
 * while `held.now` is true (counted in `held.waiting`), so a test can keep a poll in flight.
 */
async function loadServer(shardId: string, connections = 0, held?: { now: boolean; waiting: number }): Promise<string> {
  const report: ShardLoadReport = { shardId, status: 'ok', draining: false, connections, maxConnections: 100 };
  const server: Server = createServer(async (req, res) => {
    if (req.url !== SHARD_LOAD_PATH) return void res.writeHead(404).end();
    if (held?.now) {
      held.waiting++;
      while (held.now) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(report));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return `ws://127.0.0.1:${(server.address() as { port: number }).port}/ws`;
}

async function startPool(listFile: string) {
  const config = loadBalancerConfigFrom({ ...defaultOptionValues(), backendUrls: [], backendUrlsFile: listFile, healthInterval: HEALTH_INTERVAL_MS });
  const registry = new Registry();
  const pool = new ShardPool(
    config,
    createLoadBalancerMetrics(registry, () => ({ proxied: 0, queueDepth: 0 })),
    createLogger({ level: 'silent', base: {} }),
  );
  await pool.start();
  cleanups.push(() => pool.stop());
  return { pool, registry };
}

async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('ShardPool', () => {
  it('follows a changed list: a new shard joins under its own id, a removed one leaves with its series, a kept one keeps its breaker', async () => {
    const [a, b, c] = await Promise.all([loadServer('shard-a'), loadServer('shard-b'), loadServer('shard-c')]);
    const listFile = join(mkdtempSync(join(tmpdir(), 'odin-pool-')), 'shards');
    writeFileSync(listFile, `${a}\n${b}\n`);
    const { pool, registry } = await startPool(listFile);
    expect(pool.ids.sort()).toEqual(['shard-a', 'shard-b']);
    expect(pool.anyReady).toBe(true);
    const keptBreaker = pool.candidates().find((shard) => shard.id === 'shard-b')!.breaker;

    writeFileSync(listFile, `${b}\n${c}\n`);
    await until(() => pool.ids.includes('shard-c'));
    expect(pool.ids.sort()).toEqual(['shard-b', 'shard-c']);
    expect(pool.candidates().find((shard) => shard.id === 'shard-b')!.breaker).toBe(keptBreaker);
    const text = await registry.metrics();
    expect(text).toContain('ws_shard_ready{shard_id="shard-c"} 1');
    expect(text).not.toContain('shard_id="shard-a"');
  });

  it('publishes nothing for a shard removed while its poll was out (its series stay gone)', async () => {
    const held = { now: false, waiting: 0 };
    const [a, b] = await Promise.all([loadServer('shard-a', 0, held), loadServer('shard-b')]);
    const listFile = join(mkdtempSync(join(tmpdir(), 'odin-pool-')), 'shards');
    writeFileSync(listFile, `${a}\n${b}\n`);
    const { pool, registry } = await startPool(listFile);
    held.now = true;
    await until(() => held.waiting > 0); // a poll of shard-a is out, and stays out
    writeFileSync(listFile, `${b}\n`);
    await until(() => !pool.ids.includes('shard-a'));
    held.now = false; // its answer arrives (within 10 ms) after the shard left
    await new Promise((resolve) => setTimeout(resolve, HEALTH_INTERVAL_MS * 3));
    expect(await registry.metrics()).not.toContain('shard_id="shard-a"');
  });

  it('keeps its list when the file turns bad (cut short), and takes the next good one', async () => {
    const [a, b] = await Promise.all([loadServer('shard-a'), loadServer('shard-b')]);
    const listFile = join(mkdtempSync(join(tmpdir(), 'odin-pool-')), 'shards');
    writeFileSync(listFile, `${a}\n`);
    const { pool } = await startPool(listFile);
    writeFileSync(listFile, b.slice(0, -4)); // no final newline: still being written
    await new Promise((resolve) => setTimeout(resolve, HEALTH_INTERVAL_MS * 4));
    expect(pool.ids).toEqual(['shard-a']);
    writeFileSync(listFile, `${b}\n`);
    await until(() => pool.ids.includes('shard-b'));
    expect(pool.ids).toEqual(['shard-b']);
  });

  it('tries the least loaded shard first', async () => {
    const [busy, idle] = await Promise.all([loadServer('busy', 90), loadServer('idle', 10)]);
    const listFile = join(mkdtempSync(join(tmpdir(), 'odin-pool-')), 'shards');
    writeFileSync(listFile, `${busy}\n${idle}\n`);
    const { pool } = await startPool(listFile);
    expect(pool.candidates().map((shard) => shard.id)).toEqual(['idle', 'busy']);
  });
});
