import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CpuWindow } from './process-cpu.js';

/** A process that has spent 300 ms of CPU (Node's start included), says so, and idles until killed (CPU time, not wall time: CI is loaded). */
const SPIN = `const used = () => { const { user, system } = process.cpuUsage(); return user + system; }; while (used() < 300_000); console.log('spent'); setInterval(() => {}, 1000);`;
async function spentProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', SPIN], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(child.stdout!, 'data');
  return child;
}

describe('CpuWindow', () => {
  it('keeps what an ended process spent until last observed, and counts one started in the window from zero', async () => {
    const running: ChildProcess[] = [];
    const window = new CpuWindow({
      spinners: () => running.filter((child) => child.exitCode === null && child.signalCode === null).map((child) => child.pid!),
      self: 'this-process',
    });
    for (let i = 0; i < 2; i++) {
      const child = await spentProcess(); // started in the window
      running.push(child);
      window.observe(); // as before a fault
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    const used = () => process.cpuUsage().user + process.cpuUsage().system;
    const before = used();
    while (used() - before < 150_000);
    const spent = window.spent();
    // Two processes of 300 ms each, both gone: never a negative, never lost (/proc counts in 10 ms ticks).
    expect(spent.spinners).toBeGreaterThanOrEqual(0.5);
    expect(spent.spinners).toBeLessThan(0.9);
    expect(spent.self).toBeGreaterThanOrEqual(0.15);
  });
});
