import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestTopic, freePort, type LoadBalancerProcess, type ShardProcess, startLoadBalancerProcess, startShardProcess, waitFor } from '@odin-ws/testkit';
import { afterAll, describe, expect, it } from 'vitest';

const opsPort = (url: string) => Number(new URL(url).port);
const RULES = new URL('./prometheus/rules/odin-ws.rules.yml', import.meta.url).pathname;

interface Alert {
  labels: Record<string, string>;
  state: string;
}

/**
 * A real Prometheus (Debian's package) scraping a local fleet with the production alert rules:
 * a shard that is killed makes OdinShardDown fire.
 */
describe('Prometheus against a local fleet', () => {
  const shards: ShardProcess[] = [];
  let lb: LoadBalancerProcess | undefined;
  let prometheus: ChildProcess | undefined;

  afterAll(async () => {
    prometheus?.kill('SIGKILL');
    await lb?.stop();
    await Promise.all(shards.map((shard) => shard.stop()));
  });

  it('scrapes both tiers and fires OdinShardDown after a shard is killed', async () => {
    const topic = await createTestTopic('prometheus', 1);
    shards.push(...(await Promise.all([0, 1].map(() => startShardProcess({ topics: [topic], args: [`--channel-map=${topic}=trade`] })))));
    lb = await startLoadBalancerProcess({ backendUrls: shards.map((shard) => shard.url), workers: 1 });

    const work = mkdtempSync(join(tmpdir(), 'odin-prometheus-'));
    const targets = (ports: number[]) => JSON.stringify(ports.map((port) => `127.0.0.1:${port}`));
    writeFileSync(
      join(work, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        `rule_files: [${JSON.stringify(RULES)}]`,
        'scrape_configs:',
        // Scraped where /metrics is: each process's private ops surface.
        `  - { job_name: odin-ws-shard, static_configs: [{ targets: ${targets(shards.map((shard) => opsPort(shard.opsUrl)))} }] }`,
        `  - { job_name: odin-ws-lb, static_configs: [{ targets: ${targets([opsPort(lb.opsUrl)])} }] }`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    let output = '';
    prometheus = spawn(
      'prometheus',
      [`--config.file=${join(work, 'prometheus.yml')}`, `--storage.tsdb.path=${join(work, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.on('error', (error) => (output += `cannot start prometheus (apt-get install prometheus; .ci/run installs it): ${error.message}`));
    prometheus.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const api = async <T>(path: string): Promise<T> => ((await (await fetch(`http://127.0.0.1:${port}/api/v1/${path}`)).json()) as { data: T }).data;

    await waitFor(
      'prometheus to scrape all three targets',
      async () => {
        if (prometheus!.exitCode !== null) throw new Error(output);
        const { activeTargets } = await api<{ activeTargets: Array<{ health: string }> }>('targets');
        return activeTargets.length === 3 && activeTargets.every((target) => target.health === 'up');
      },
      30_000,
      500,
    );
    const workers = await api<{ result: Array<{ value: [number, string] }> }>('query?query=ws_lb_workers');
    expect(workers.result[0]?.value[1]).toBe('1');

    const victim = `127.0.0.1:${opsPort(shards[0]!.opsUrl)}`;
    await shards[0]!.stop('SIGKILL');
    const firing = await waitFor(
      'OdinShardDown to fire',
      async () => {
        const { alerts } = await api<{ alerts: Alert[] }>('alerts');
        return alerts.find((alert) => alert.labels['alertname'] === 'OdinShardDown' && alert.state === 'firing');
      },
      75_000,
      1000,
    );
    expect(firing.labels).toMatchObject({ instance: victim, job: 'odin-ws-shard', severity: 'critical' });
    const { alerts } = await api<{ alerts: Alert[] }>('alerts');
    expect(alerts.filter((alert) => alert.labels['alertname'] === 'OdinShardDown').map((alert) => alert.labels['instance'])).toEqual([victim]);
  }, 150_000);
});
