import { describe, expect, it } from 'vitest';
import { parseShardHealthReport, parseShardLoadReport, type ShardHealthReport, shardLoadReportOf } from './health-report.js';

const report: ShardHealthReport = {
  shardId: 'shard-1',
  pid: 4242,
  status: 'ok',
  connections: 10,
  maxConnections: 100,
  utilization: 0.1,
  subscriptions: 12,
  channels: 3,
  kafka: { state: 'consuming', consuming: true },
  draining: false,
  uptimeS: 61,
};

describe('parseShardHealthReport', () => {
  it('reads back what a shard writes', () => {
    expect(parseShardHealthReport(JSON.stringify(report))).toEqual(report);
  });

  it.each([
    ['not JSON', '<html>502</html>'],
    ['an array', '[]'],
    ['null', 'null'],
    ['no shard id', JSON.stringify({ ...report, shardId: undefined })],
    ['an empty shard id', JSON.stringify({ ...report, shardId: '' })],
    ['an unknown status', JSON.stringify({ ...report, status: 'fine' })],
    ['connections as text', JSON.stringify({ ...report, connections: '10' })],
    ['negative capacity', JSON.stringify({ ...report, maxConnections: -1 })],
    ['no kafka object', JSON.stringify({ ...report, kafka: 'consuming' })],
    ['draining as a number', JSON.stringify({ ...report, draining: 0 })],
    ['a truncated body', JSON.stringify(report).slice(0, 40)],
  ])('refuses %s', (_label, body) => {
    expect(parseShardHealthReport(body)).toBeUndefined();
  });

  it('has a load report with what the load balancer routes by and nothing else, read from /load or a full /health', () => {
    const load = shardLoadReportOf(report);
    expect(Object.keys(load).sort()).toEqual(['connections', 'draining', 'maxConnections', 'shardId', 'status']);
    expect(parseShardLoadReport(JSON.stringify(load))).toEqual(load);
    expect(parseShardLoadReport(JSON.stringify(report))).toEqual(load);
    for (const broken of [
      { ...load, status: 'fine' },
      { ...load, connections: -1 },
      { ...load, shardId: '' },
      { ...load, draining: 'no' },
    ]) {
      expect(parseShardLoadReport(JSON.stringify(broken))).toBeUndefined();
    }
    expect(parseShardLoadReport('<html>502</html>')).toBeUndefined();
  });
});
