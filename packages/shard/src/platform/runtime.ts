import { createRequire } from 'node:module';
import { OdinError } from '@odin-ws/errors';

interface SupportedRuntime {
  nodeMajor: number;
  abi: string;
  minGlibc: string;
}

/** From src/platform/ and dist/platform/ alike, two folders up is the package root. */
const stated = createRequire(import.meta.url)('../../supported-runtime.json') as SupportedRuntime;

/**
 * The one Node.js odin-ws supports (docs/deploy.md#runtime says why): its major version, its
 * module ABI (which picks the uWS binary) and the glibc that binary is linked against, as
 * supported-runtime.json at the package root states them, the one place they are written.
 */
export const SUPPORTED_RUNTIME = {
  nodeMajor: stated.nodeMajor,
  abi: stated.abi,
  minGlibc: stated.minGlibc,
  description: `Node ${stated.nodeMajor} LTS (Linux x64 or arm64 with glibc ${stated.minGlibc} or newer, or macOS)`,
} as const;

/**
 * Refuses any other Node before anything starts: the uWS package ships binaries for several ABIs,
 * so an older Node (even an end-of-life one) could otherwise load one and run untested.
 */
export function assertSupportedNode(versions: NodeJS.ProcessVersions = process.versions): void {
  if (versions.modules === SUPPORTED_RUNTIME.abi) return;
  throw new OdinError(
    'E_NODE_UNSUPPORTED',
    `Node ${versions.node} (ABI ${versions.modules}) is not supported: odin-ws runs on ${SUPPORTED_RUNTIME.description} (docs/deploy.md#runtime)`,
    { node: versions.node, abi: versions.modules },
  );
}

/** The glibc this process runs on, as Node reports it ('unknown' where it cannot tell). */
export function runtimeGlibc(): string {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime ?? 'unknown';
}
