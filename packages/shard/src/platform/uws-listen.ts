import { OdinError } from '@odin-ws/errors';
import type { TemplatedApp, us_listen_socket } from './uws.js';

/** uWS ListenOptions.LIBUS_LISTEN_EXCLUSIVE_PORT. */
const LISTEN_EXCLUSIVE_PORT = 1;

/**
 * Exclusive: uWS binds with SO_REUSEPORT by default, so a second shard started on a taken port
 * would silently share it and split the clients. The .d.ts lacks this (host, port, options, cb) form.
 */
export function listenOn(app: TemplatedApp, host: string, port: number): Promise<us_listen_socket> {
  return new Promise((resolve, reject) => {
    const listen = app.listen as unknown as (host: string, port: number, options: number, cb: (token: us_listen_socket | false) => void) => void;
    listen.call(app, host, port, LISTEN_EXCLUSIVE_PORT, (token) => {
      if (token) resolve(token);
      else reject(new OdinError('E_LISTEN_FAILED', `cannot listen on ${host}:${port} (in use or not permitted)`, { host, port }));
    });
  });
}
