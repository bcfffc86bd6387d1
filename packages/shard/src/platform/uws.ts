import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as UwsTypes from '@btc-vision/uwebsockets.js';
import { describeError, OdinError } from '@odin-ws/errors';
import { SUPPORTED_RUNTIME } from './runtime.js';

export type Uws = typeof UwsTypes;
export type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket, us_socket_context_t, WebSocket } from '@btc-vision/uwebsockets.js';

/**
 * The sha256 of each binary of that build odin-ws may load, for the supported Node's ABI. The
 * linux-x64 one was compared with upstream's tag (docs/deploy.md#runtime); the others are as the
 * npm package (its lockfile integrity checked by pnpm) ships them. Checked when the binary loads,
 * so a changed file cannot slip in under the same version, in a checkout or in a release.
 */
const UWS_BINARY_SHA256: Readonly<Record<string, string>> = {
  [`uws_linux_x64_${SUPPORTED_RUNTIME.abi}.node`]: '9aa8b857ac4ab0bfb1245e948eeeacc904b13a3608c9a281d551c43c66bea66e',
  [`uws_linux_arm64_${SUPPORTED_RUNTIME.abi}.node`]: 'ad0ffb42a119ee022ba1fc752d942e5a19b863ce47bfdc909cd1d5bc1363a7a6',
  [`uws_darwin_arm64_${SUPPORTED_RUNTIME.abi}.node`]: '51546f781dfd41b4c3820f7198d94d953af1dd4a22745ccda2fcf5eec3e4edf8',
  [`uws_darwin_x64_${SUPPORTED_RUNTIME.abi}.node`]: '249e85589d9d39445f70765a10e1f3b0b142b7d1b406f360ea27681e0025fb02',
};

/**
 * The one uWebSockets.js build odin-ws runs on, pinned exactly in package.json. `binary` and
 * `sha256` name the linux-x64 binary production runs (scripts/package-release.sh keeps only it);
 * `sha256s` every binary a supported platform loads.
 */
export const UWS_PACKAGE = {
  name: '@btc-vision/uwebsockets.js',
  version: '20.56.0',
  binary: `uws_linux_x64_${SUPPORTED_RUNTIME.abi}.node`,
  sha256: UWS_BINARY_SHA256[`uws_linux_x64_${SUPPORTED_RUNTIME.abi}.node`]!,
  sha256s: UWS_BINARY_SHA256,
} as const;

export interface UwsTarget {
  platform: string;
  arch: string;
  abi: string;
}

/**
 * The largest HTTP request head uWS buffers. uWS reads it from UWS_HTTP_MAX_HEADERS_SIZE once, as
 * the binary loads, and defaults to 4 KB: a long token in the URL then got uWS's own bare 431
 * before our handshake check ran. Twice the 16 KB that check allows (http-routes.ts), so a large
 * head gets the coded answer the load balancer gives too.
 */
const UWS_HTTP_HEAD_LIMIT_BYTES = 32 * 1024;

const currentTarget = (): UwsTarget => ({ platform: process.platform, arch: process.arch, abi: process.versions.modules });
const requireHere = createRequire(import.meta.url);

/**
 * Where the binary for `target` is. The package's `exports` map forbids requiring a binary by
 * subpath, so it is found beside the package's entry point.
 */
export function uwsBinaryPath(target: UwsTarget = currentTarget()): string {
  return join(dirname(requireHere.resolve(UWS_PACKAGE.name)), `uws_${target.platform}_${target.arch}_${target.abi}.node`);
}

/** sha256 of a binary file, hex. */
export function sha256OfFile(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Binaries whose hash was checked in this process: each file is read once, at start. */
const checkedBinaries = new Set<string>();

/**
 * Refuses a binary that is not the recorded build (E_UWS_BINARY_MISMATCH, naming both hashes), or
 * that no hash was recorded for. Native code runs with the process's rights: it is the one file
 * that must be exactly what was tested.
 */
export function checkUwsBinary(binary: string): void {
  if (checkedBinaries.has(binary)) return;
  const name = binary.slice(binary.lastIndexOf('/') + 1);
  const recorded = UWS_BINARY_SHA256[name];
  let actual: string;
  try {
    actual = sha256OfFile(binary);
  } catch {
    return; // missing: loading it fails next, with the reason (E_UWS_NATIVE_UNAVAILABLE)
  }
  if (actual !== recorded) {
    throw new OdinError(
      'E_UWS_BINARY_MISMATCH',
      `${binary} is not the uWebSockets.js build odin-ws was tested with: its sha256 is ${actual}, the recorded one ${recorded ?? 'none (no binary of this name is supported)'}; reinstall (pnpm install --frozen-lockfile) or use the release`,
      { binary, sha256: actual, recorded: recorded ?? null },
    );
  }
  checkedBinaries.add(binary);
}

/**
 * Loads the native uWebSockets.js binary, checked against its recorded hash, or refuses to start.
 *
 * Hazard: the package's own entry point silently falls back to a pure-JS server, many times
 * slower, when the binary does not load (wrong Node ABI, wrong glibc). A fan-out shard on that
 * fallback would pass every functional test and collapse under load, so we require the binary
 * for this platform and Node ABI directly and fail loudly when it is missing. `binary`: another
 * copy of it (tests).
 */
export function loadNativeUws(target: UwsTarget = currentTarget(), binary = uwsBinaryPath(target)): Uws {
  checkUwsBinary(binary);
  process.env['UWS_HTTP_MAX_HEADERS_SIZE'] = String(UWS_HTTP_HEAD_LIMIT_BYTES);
  try {
    return requireHere(binary) as Uws;
  } catch (error) {
    // The loader's own message carries a multi-line require stack: its first line says enough.
    const reason = describeError(error).split('\n')[0];
    throw new OdinError(
      'E_UWS_NATIVE_UNAVAILABLE',
      `no native uWebSockets.js binary loads for ${target.platform}-${target.arch}, Node ABI ${target.abi} (${reason}); ` +
        `refusing the slow pure-JS fallback. Supported runtime: ${SUPPORTED_RUNTIME.description} (docs/deploy.md#runtime)`,
      { binary, node: process.version, abi: target.abi },
      { cause: error },
    );
  }
}
