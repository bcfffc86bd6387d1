import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

export interface CpuTimes {
  /** In the process's own code (for Node: JavaScript, V8, libuv). */
  user: number;
  /** In the kernel on its behalf (for a proxy: mostly the read and write syscalls). */
  system: number;
}

/** CPU seconds a process has used so far, split (Linux /proc), zeros if it is gone. */
export function cpuTimes(pid: number): CpuTimes {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command name: field 14 (utime) and 15 (stime) of the full line are indexes 11 and 12 here.
    return { user: Number(fields[11]) / CLOCK_TICKS_PER_SECOND, system: Number(fields[12]) / CLOCK_TICKS_PER_SECOND };
  } catch {
    return { user: 0, system: 0 };
  }
}

/** The sum over several processes (a proxy's primary and workers). */
export function totalCpuTimes(pids: number[]): CpuTimes {
  return pids.map(cpuTimes).reduce((sum, times) => ({ user: sum.user + times.user, system: sum.system + times.system }), { user: 0, system: 0 });
}

/** User plus system. */
export function cpuSecondsOf(times: CpuTimes): number {
  return times.user + times.system;
}
