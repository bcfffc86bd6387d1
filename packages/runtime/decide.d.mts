/** The facts of a machine that decide its runtime (decide.mjs). */
export interface MachineFacts {
  /** process.platform: linux, darwin, win32, … */
  os: string;
  /** process.arch: x64, arm64, … */
  arch: string;
  /** The glibc version on Linux; undefined on musl and off Linux. */
  glibc: string | undefined;
  /** The Node that runs pnpm, and whether it loads the uWS binary for its platform and ABI. */
  hostNode: { version: string; path: string; loadsUws: boolean } | undefined;
  /** The pinned node-linux-<arch> binary, when pnpm installed it (an optional dependency). */
  pinnedNode: string | undefined;
  required: { nodeMajor: number; minGlibc: string };
  /** ODIN_RUNTIME. */
  force: 'auto' | 'host' | 'pinned';
}

export interface RuntimeDecision {
  kind: 'host' | 'pinned' | 'sysroot' | 'unavailable';
  /** The Node to run (host and pinned as they are; sysroot: the one to patch). */
  node?: string;
  /** One line for people: what was chosen, or what is missing and how to fix it. */
  message: string;
}

export declare const SYSROOT_ARCHS: readonly string[];
export declare const PINNED_ARCHS: readonly string[];
export declare function decideRuntime(facts: MachineFacts): RuntimeDecision;
