import { createRequire } from 'node:module';
import { describeError, OdinError } from '@odin-ws/errors';
import type * as UwsTypes from '@trufflesuite/uws-js-unofficial';

export type Uws = typeof UwsTypes;
export type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket, us_socket_context_t, WebSocket } from '@trufflesuite/uws-js-unofficial';

const PACKAGE = '@trufflesuite/uws-js-unofficial';

/**
 * Loads the native uWebSockets.js binary, or refuses to start.
 *
 * Hazard: the package's own entry point silently falls back to a pure-JS server, many times
 * slower, when the binary does not load (wrong Node ABI, wrong glibc). A fan-out shard on that
 * fallback would pass every functional test and collapse under load, so we require the binary
 * for this platform and Node ABI directly and fail loudly when it is missing.
 */
export function loadNativeUws(target = { platform: process.platform, arch: process.arch, abi: process.versions.modules }): Uws {
  const binary = `${PACKAGE}/binaries/uws_${target.platform}_${target.arch}_${target.abi}.node`;
  try {
    return createRequire(import.meta.url)(binary) as Uws;
  } catch (error) {
    // The loader's own message carries a multi-line require stack: its first line says enough.
    const reason = describeError(error).split('\n')[0];
    throw new OdinError(
      'E_UWS_NATIVE_UNAVAILABLE',
      `no native uWebSockets.js binary loads for ${target.platform}-${target.arch}, Node ABI ${target.abi} (${reason}); ` +
        'refusing the slow pure-JS fallback. Supported runtime: Node 20 on glibc 2.36 or newer (docs/deploy.md#runtime)',
      { binary, node: process.version, abi: target.abi },
      { cause: error },
    );
  }
}
