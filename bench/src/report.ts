import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { cpus, totalmem } from 'node:os';

const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

/**
 * Writes a run's results as JSON (the machine-readable contract: one object with the parameters and
 * figures named plainly) and as a Markdown table, under bench/results/, plus to `jsonPath` if given.
 */
export function writeReport(name: string, summary: Record<string, unknown>, rows: Array<Record<string, unknown>>, jsonPath?: string): { json: string; markdown: string } {
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
  const columns = Object.keys(rows[0] ?? {}).filter((key) => typeof rows[0]![key] !== 'object');
  const markdown = [
    `# ${name} (${document.date})`,
    '',
    `Command: \`pnpm bench ${process.argv.slice(2).join(' ')}\``,
    '',
    `| ${columns.join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${columns.map((column) => String(row[column])).join(' | ')} |`),
    '',
  ].join('\n');
  writeFileSync(`${base}.md`, markdown);
  return { json: `${base}.json`, markdown: `${base}.md` };
}

function machine() {
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform}-${process.arch}` };
}
