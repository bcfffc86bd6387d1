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

/** Where a group's processes come from: their pids, read each time (processes come and go), or this process. */
export type CpuGroup = (() => number[]) | 'this-process';

/**
 * CPU seconds each named group spends from now on: the servers and the load generator side by side,
 * as every bench result reports them. Per process: one that starts in the window (a restarted
 * shard) counts from zero, and one that ends in it (a killed shard) keeps what it had spent when
 * last observed, so call observe() before a fault and now and then during a long run.
 */
export class CpuWindow<Name extends string> {
  private readonly start = new Map<Name, Map<number, number>>();
  private readonly last = new Map<Name, Map<number, number>>();

  constructor(private readonly groups: Record<Name, CpuGroup>) {
    for (const name of this.names()) {
      this.start.set(name, this.read(name));
      this.last.set(name, this.read(name));
    }
  }

  /** Reads every process of every group now. */
  observe(): void {
    for (const name of this.names()) {
      const last = this.last.get(name)!;
      for (const [pid, seconds] of this.read(name)) last.set(pid, Math.max(seconds, last.get(pid) ?? 0));
    }
  }

  /** CPU seconds per group since the window opened, to the hundredth. */
  spent(): Record<Name, number> {
    this.observe();
    const spent = {} as Record<Name, number>;
    for (const name of this.names()) {
      const start = this.start.get(name)!;
      let seconds = 0;
      for (const [pid, last] of this.last.get(name)!) seconds += last - (start.get(pid) ?? 0);
      spent[name] = Math.round(seconds * 100) / 100;
    }
    return spent;
  }

  private names(): Name[] {
    return Object.keys(this.groups) as Name[];
  }

  /** pid -> CPU seconds; this process under pid 0. */
  private read(name: Name): Map<number, number> {
    const group = this.groups[name];
    if (group === 'this-process') {
      const { user, system } = process.cpuUsage();
      return new Map([[0, (user + system) / 1e6]]);
    }
    return new Map(group().map((pid) => [pid, cpuSecondsOf(cpuTimes(pid))]));
  }
}
