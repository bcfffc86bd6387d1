import { spawn } from 'node:child_process';
import { CLI_PATH, sleep, stablePortRange, waitFor } from '@odin-ws/testkit';
import { describe, expect, it } from 'vitest';

/** Runs the load balancer (it needs no Kafka) until it logs that it listens; returns what it wrote. */
async function logsOf(terminal: boolean): Promise<string> {
  const port = await stablePortRange(1);
  const command = [process.execPath, CLI_PATH, '--mode=loadbalancer', `--lb-port=${port}`, '--backend-urls=ws://127.0.0.1:1/ws', '--lb-workers=1'];
  // script(1) gives the process a pseudo-terminal for stdout, as a person's shell does.
  const child = terminal
    ? spawn('script', ['-qfec', command.join(' '), '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], detached: true }) // stdin kept open: script ends at its EOF
    : spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  try {
    await waitFor('the listening line', () => /load balancer listening[^\n]*\n/.test(output), 15_000);
  } finally {
    // script(1) passes SIGTERM on to the load balancer, then lingers: end it once that has stopped.
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid!, 'SIGTERM');
    await Promise.race([exited, sleep(3000)]);
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
  }
  return output;
}

describe('logs', () => {
  it('are JSON lines with the severity and message Cloud Logging reads, when stdout is not a terminal', async () => {
    const lines = (await logsOf(false)).trim().split('\n');
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const listening = entries.find((entry) => entry['message'] === 'load balancer listening');
    expect(listening).toMatchObject({ severity: 'INFO', level: 30, mode: 'loadbalancer' });
    expect(entries.every((entry) => ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'].includes(String(entry['severity'])))).toBe(true);
  });

  it('are readable lines, one per event, in a terminal (pnpm start)', async () => {
    const lines = (await logsOf(true))
      .replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '') // colours
      .replace(/\r/g, '')
      .trim()
      .split('\n');
    expect(lines.some((line) => /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: load balancer listening \{.*"port":/.test(line))).toBe(true);
    expect(lines.filter((line) => line.startsWith('{'))).toEqual([]);
  });
});
