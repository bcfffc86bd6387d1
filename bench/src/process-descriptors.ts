import { readdirSync } from 'node:fs';

/** Open file descriptors of a process (Linux /proc), 0 if it is gone. */
export function openDescriptors(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}
