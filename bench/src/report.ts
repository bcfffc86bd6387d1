import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { barChartSvg } from './chart.js';

const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

/**
 * Writes a run's results as JSON (the machine-readable contract: one object with the parameters and
 * figures named plainly), as a Markdown table and as an SVG chart of the latency (or memory) figures,
 * under bench/results/, plus the JSON to `jsonPath` if given.
 */
export function writeReport(
  name: string,
  summary: Record<string, unknown>,
  rows: Array<Record<string, unknown>>,
  jsonPath?: string,
): { json: string; markdown: string } {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const base = join(RESULTS_DIR, `${name}-${stamp}`);
  const document = { ...summary, machine: machine(), date: new Date().toISOString(), runs: rows };
  const json = `${JSON.stringify(document, null, 2)}\n`;
  writeFileSync(`${base}.json`, json);
  if (jsonPath) {
    mkdirSync(dirname(jsonPath), { recursive: true });
    writeFileSync(jsonPath, json);
  }
  const flatRows = rows.map(flattenOneLevel);
  const columns = [...new Set(flatRows.flatMap((row) => Object.keys(row)))];
  const markdown = [
    `# ${name} (${document.date})`,
    '',
    `Command: \`pnpm bench ${process.argv.slice(2).join(' ')}\``,
    '',
    `| ${columns.join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...flatRows.map((row) => `| ${columns.map((column) => String(row[column] ?? '')).join(' | ')} |`),
    '',
  ].join('\n');
  writeFileSync(`${base}.md`, markdown);
  writeFileSync(`${base}.svg`, chartOf(name, rows));
  return { json: `${base}.json`, markdown: `${base}.md` };
}

/**
 * A row's nested objects as `parent.child` columns (loadGenerator.cpuSeconds beside the server's CPU,
 * errors.close_1013), so the table shows what the JSON has; deeper values and arrays are left out.
 */
export function flattenOneLevel(row: Record<string, unknown>): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (value === null || typeof value !== 'object') flat[key] = value;
    else if (!Array.isArray(value)) {
      for (const [child, inner] of Object.entries(value)) if (inner === null || typeof inner !== 'object') flat[`${key}.${child}`] = inner;
    }
  }
  return flat;
}

function machine() {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** Latency (or outage) percentiles when the rows have them, else bytes per connection (the memory scenario). */
function chartOf(name: string, rows: Array<Record<string, unknown>>): string {
  const pick = (suffixes: string[]) => (row: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(row).filter(([key, value]) => typeof value === 'number' && suffixes.some((suffix) => key === suffix)) as Array<[string, number]>,
    );
  const latency = pick(['p50Ms', 'p95Ms', 'p99Ms', 'handshakeP50Ms', 'handshakeP99Ms', 'outageP50Ms', 'outageP99Ms', 'outageMaxMs']);
  const memory = pick(['shardBytesPerConnection', 'lbBytesPerConnection']);
  const wire = pick(['wireBytesPerUpdate', 'envelopeBytes']);
  const [title, values, unit] = rows.some((row) => Object.keys(latency(row)).length > 0)
    ? ['latency', latency, 'ms']
    : rows.some((row) => Object.keys(wire(row)).length > 0)
      ? ['bytes on the wire per update', wire, 'B']
      : ['bytes per idle connection', memory, 'B'];
  const label = (row: Record<string, unknown>, i: number) =>
    `${String(row['config'] ?? row['path'] ?? row['mode'] ?? name)} #${String(row['run'] ?? i + 1)} (${String(row['connections'] ?? '')})`;
  return barChartSvg(
    `${name}: ${title}`,
    rows.map((row, i) => ({ label: label(row, i), values: values(row) })),
    unit,
  );
}
