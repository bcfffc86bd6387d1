import { OdinError } from '@odin-ws/errors';

/**
 * The one Node.js odin-ws supports (docs/deploy.md#runtime says why): its major version, its
 * module ABI (which picks the uWS binary) and the glibc that binary is linked against.
 */
export const SUPPORTED_RUNTIME = {
  nodeMajor: 24,
  abi: '137',
  minGlibc: '2.38',
  description: 'Node 24 LTS on Linux x64 with glibc 2.38 or newer',
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
