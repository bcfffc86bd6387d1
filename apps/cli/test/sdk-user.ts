import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLIENT_DIR = fileURLToPath(new URL('../../../packages/client/', import.meta.url));

/** The SDK as a user gets it: the tarball `pnpm pack` makes, installed with npm into an empty folder. */
export interface SdkUser {
  tarball: string;
  project: string;
  /** Runs `source` as `file` in the project with Node; resolves with its exit code and output. */
  run(file: string, source: string, args?: string[]): Promise<{ code: number | null; output: string }>;
  /** The same, while it runs: what it printed so far, parsed (JSON lines), and its end. */
  start(file: string, source: string, args?: string[]): UserScript;
}

export interface UserScript {
  lines(): Array<Record<string, unknown>>;
  output(): string;
  exited: Promise<{ code: number | null; output: string }>;
  kill(): void;
}

export function installPackedSdk(): SdkUser {
  const packed = mkdtempSync(join(tmpdir(), 'odin-sdk-pack-'));
  execFileSync('pnpm', ['pack', '--pack-destination', packed], { cwd: CLIENT_DIR, stdio: 'pipe' });
  const tarball = join(packed, readdirSync(packed).find((name) => name.endsWith('.tgz'))!);
  const project = mkdtempSync(join(tmpdir(), 'odin-sdk-user-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'sdk-user', private: true }));
  execFileSync('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline', '--silent'], { cwd: project, stdio: 'pipe' });
  return {
    tarball,
    project,
    run(file, source, args = []) {
      return this.start(file, source, args).exited;
    },
    start(file, source, args = []) {
      writeFileSync(join(project, file), source);
      const child = spawn(process.execPath, [file, ...args], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      return {
        lines: () => jsonLines(output),
        output: () => output,
        exited: new Promise((resolve) => child.once('exit', (code) => resolve({ code, output }))),
        kill: () => child.kill('SIGKILL'),
      };
    },
  };
}

/** The JSON lines a script printed, parsed. */
export function jsonLines(output: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
