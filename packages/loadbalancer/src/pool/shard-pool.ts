import type { LoadBalancerConfig } from '@odin-ws/config';
import type { Logger } from '@odin-ws/observability';
import type { LoadBalancerMetrics } from '../lb-metrics.js';
import { applyHealthReport, circuitState, createPooledShard, healthScore, type PooledShard, publishShardSeries, retirePooledShard } from './pooled-shard.js';
import { pollShardHealth, pollTimeoutMs } from './shard-health.js';
import { watchShardListFile } from './shard-list-file.js';
import { orderShards } from './shard-selector.js';

/**
 * The shards one load-balancer worker may send clients to, and everything it knows about them:
 * the list (from --backend-urls, or a file followed while running), each shard's last /health,
 * circuit breaker and recent failures, their gauges, and whether any of them can take a client.
 */
export class ShardPool {
  private shards: PooledShard[] = [];
  /** Shard-list changes apply one after the other. */
  private listChange: Promise<void> = Promise.resolve();
  private readonly stoppers: Array<() => void> = [];

  constructor(
    private readonly config: LoadBalancerConfig,
    private readonly metrics: LoadBalancerMetrics,
    private readonly logger: Logger,
  ) {}

  /** Loads the first list (its shards polled once), then polls /health on an interval and follows the file. */
  async start(): Promise<void> {
    const { config } = this;
    if (config.shardUrlsFile) {
      // The first read happens inside watchShardListFile; awaiting the change chain applies it. A file
      // not written yet (discovery still running) is not fatal: the pool starts empty.
      this.stoppers.push(watchShardListFile(config.shardUrlsFile, config.healthIntervalMs, (urls) => void this.setUrls(urls), this.logger));
      await this.listChange;
    } else {
      await this.setUrls(config.shardUrls);
    }
    const timer = setInterval(() => this.pollAll(), config.healthIntervalMs);
    timer.unref();
    this.stoppers.push(() => clearInterval(timer));
  }

  stop(): void {
    for (const stop of this.stoppers.splice(0)) stop();
  }

  /** The order in which to try shards for one handshake (see shard-selector.ts). */
  candidates(): PooledShard[] {
    return orderShards(this.shards, this.config.scoreWeights);
  }

  /** True when at least one shard is ready and its circuit lets handshakes through. */
  get anyReady(): boolean {
    return this.shards.some((shard) => shard.health.ready && circuitState(shard) !== 'open');
  }

  get ids(): string[] {
    return this.shards.map((shard) => shard.id);
  }

  /** The per-shard part of the load balancer's /health. */
  describe() {
    const weights = this.config.scoreWeights;
    return this.shards.map((shard) => ({
      id: shard.id,
      address: `${shard.host}:${shard.port}`,
      ready: shard.health.ready,
      draining: shard.health.draining,
      connections: shard.health.connections,
      maxConnections: shard.health.maxConnections,
      utilization: shard.health.utilization,
      recentFailures: shard.failures.failureCount(),
      circuit: circuitState(shard),
      score: Number(healthScore(shard, weights).toFixed(4)),
    }));
  }

  /**
   * Makes the pool match `urls`. New shards are polled once before they join, so their metrics carry
   * their own shard id from the start (or from their first answer, see publishShardSeries); removed
   * shards get no new clients, and the clients already spliced to them stay connected.
   */
  private setUrls(urls: string[]): Promise<void> {
    this.listChange = this.listChange.then(() =>
      this.applyUrls(urls).catch((error: unknown) => {
        // Never a rejection left unhandled (it would end the worker): the pool stays as it was.
        this.logger.error({ err: error, urls }, 'shard list not applied; keeping the current one');
      }),
    );
    return this.listChange;
  }

  private async applyUrls(urls: string[]): Promise<void> {
    const wanted = new Set(urls);
    const known = new Set(this.shards.map((shard) => shard.url));
    const added = urls.filter((url) => !known.has(url)).map((url) => createPooledShard(url, this.config, this.metrics, this.logger));
    const removed = this.shards.filter((shard) => !wanted.has(shard.url));
    await Promise.all(added.map((shard) => this.poll(shard)));
    this.shards = [...this.shards.filter((shard) => wanted.has(shard.url)), ...added];
    for (const shard of removed) retirePooledShard(shard, this.metrics);
    if (added.length > 0 || removed.length > 0) {
      this.logger.info({ added: added.map((shard) => shard.id), removed: removed.map((shard) => shard.id), shards: this.shards.length }, 'shard list changed');
    }
    for (const shard of this.shards) publishShardSeries(shard, this.metrics, this.config.scoreWeights);
  }

  private pollAll(): void {
    for (const shard of this.shards) {
      void this.poll(shard).then(() => {
        // Hazard: the list may have dropped this shard while its poll was out; publishing then would
        // bring back the series retirePooledShard removed, for a shard that no longer exists, for good.
        if (this.shards.includes(shard)) publishShardSeries(shard, this.metrics, this.config.scoreWeights);
      });
    }
  }

  private async poll(shard: PooledShard): Promise<void> {
    const port = this.config.shardHealthPort ?? shard.port;
    applyHealthReport(shard, await pollShardHealth(shard.host, port, pollTimeoutMs(this.config.healthIntervalMs)));
  }
}
