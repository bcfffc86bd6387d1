import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';

/**
 * The memory this process may use: the cgroup v2 (or v1) limit when one is set (a container, a
 * systemd MemoryMax=), else the machine's RAM. Alert rules compare resident memory with it.
 */
export function memoryLimitBytes(): number {
  for (const path of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const limit = Number(readFileSync(path, 'utf8').trim());
      // "max" (no limit) reads as NaN; v1 reports "no limit" as a huge number.
      if (Number.isFinite(limit) && limit > 0 && limit < totalmem()) return limit;
    } catch {
      // not in a cgroup with this controller: try the next, then fall back to RAM
    }
  }
  return totalmem();
}
