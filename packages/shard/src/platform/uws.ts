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
 * The one uWebSockets.js build odin-ws runs on, pinned exactly in package.json. Its binaries are
 * upstream's (docs/deploy.md#runtime: how that was checked); `sha256` is the linux-x64 binary for
 * the supported Node's ABI, checked by uws.test.ts and by scripts/package-release.sh, so a changed
 * binary cannot slip in under the same version.
 */
export const UWS_PACKAGE = {
  name: '@btc-vision/uwebsockets.js',
  version: '20.56.0',
  binary: `uws_linux_x64_${SUPPORTED_RUNTIME.abi}.node`,
  sha256: '9aa8b857ac4ab0bfb1245e948eeeacc904b13a3608c9a281d551c43c66bea66e',
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

/**
 * Loads the native uWebSockets.js binary, or refuses to start.
 *
 * Hazard: the package's own entry point silently falls back to a pure-JS server, many times
 * slower, when the binary does not load (wrong Node ABI, wrong glibc). A fan-out shard on that
 * fallback would pass every functional test and collapse under load, so we require the binary
 * for this platform and Node ABI directly and fail loudly when it is missing.
 */
export function loadNativeUws(target: UwsTarget = currentTarget()): Uws {
  const binary = uwsBinaryPath(target);
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
