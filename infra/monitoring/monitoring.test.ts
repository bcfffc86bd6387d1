import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const RULES = 'infra/monitoring/prometheus/rules/odin-ws.rules.yml';
const DASHBOARD = 'infra/monitoring/grafana/odin-ws-dashboard.json';
/** prom-client's default process metrics the rules and dashboard use. */
const DEFAULT_METRICS = ['process_cpu_seconds_total', 'process_resident_memory_bytes'];

function promtool(...args: string[]) {
  const result = spawnSync('promtool', args, { cwd: new URL('.', root).pathname, encoding: 'utf8' });
  if (result.error) throw new Error(`promtool is needed (apt-get install prometheus); .ci/run installs it: ${result.error.message}`);
  return result;
}

/** Metric names an expression text uses (histogram series reduced to their histogram; recording rules, odin:*, left out). */
function metricNames(text: string): string[] {
  return [
    ...new Set(
      [...text.replace(/odin:[a-z_:]+/g, '').matchAll(/\b((?:ws|odin|process)_[a-z_]+)/g)].map((match) => match[1]!.replace(/_(bucket|sum|count)$/, '')),
    ),
  ];
}

/**
 * The monitoring configuration checked by the tools it is written for (promtool) and against the
 * code: every metric a rule or a panel uses is one the tiers export (docs/metrics.md is generated
 * from their definitions), and every alert points at a runbook section that exists.
 */
describe('infra/monitoring', () => {
  it('the alert rules pass their promtool unit tests', () => {
    const result = promtool('test', 'rules', 'infra/monitoring/prometheus/tests/odin-ws.rules.test.yml');
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });

  it('the Prometheus configuration and rules pass promtool check', () => {
    const result = promtool('check', 'config', 'infra/monitoring/prometheus/prometheus.yml');
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });

  it('every metric the rules and the dashboard use exists, and every alert has a runbook section', () => {
    const documented = new Set(metricNames(read('docs/metrics.md')));
    const dashboard = JSON.parse(read(DASHBOARD)) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
    const expressions = dashboard.panels
      .flatMap((panel) => panel.targets ?? [])
      .map((target) => target.expr)
      .join('\n');
    for (const name of metricNames(read(RULES) + expressions)) {
      expect(documented.has(name) || DEFAULT_METRICS.includes(name), name).toBe(true);
    }
    const runbook = read('docs/runbook.md').toLowerCase();
    for (const [, alert] of read(RULES).matchAll(/alert: (\w+)/g)) {
      const anchor = /runbook: "docs\/runbook\.md#(\w+)"/.exec(read(RULES).slice(read(RULES).indexOf(`alert: ${alert}`)))![1]!;
      expect(runbook, `${alert} -> #${anchor}`).toMatch(new RegExp(`^#+ .*${anchor}`, 'm'));
    }
  });

  it('the dashboard has a panel for each thing operators watch', () => {
    const dashboard = JSON.parse(read(DASHBOARD)) as { uid: string; panels: Array<{ title: string }> };
    const titles = dashboard.panels.map((panel) => panel.title.toLowerCase()).join(' | ');
    for (const topic of ['connections', 'handshakes', 'circuit breaker', 'health scores', 'frames delivered', 'latency', 'lag'])
      expect(titles).toContain(topic);
    expect(dashboard.uid).toBe('odin-ws-overview');
  });
});
