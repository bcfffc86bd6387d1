import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OdinError } from '@odin-ws/errors';
import { HttpErrorCode } from '@odin-ws/protocol';

export interface TickerPageOptions {
  host: string;
  port: number;
  /** The load balancer's port: the page connects to ws://<the host it was loaded from>:<wsPort>/ws. */
  wsPort: number;
  symbols: string[];
  /**
   * DEMO ONLY: mints a token for the page when the fleet checks tokens. A real site gets its
   * tokens from its own login, never from an open endpoint like this one.
   */
  mintDemoToken?: () => Promise<string>;
}

const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));
const require = createRequire(import.meta.url);
/** The SDK's browser bundle: one ES module with no imports, which the page loads as it is. */
const SDK_BUNDLE = join(dirname(require.resolve('@odin-ws/client/package.json')), 'bundle', 'odin-client.browser.mjs');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Serves the ticker page, its script, its style and the SDK's browser bundle, and nothing else. */
export function startTickerPage(options: TickerPageOptions): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://page').pathname;
    const send = (status: number, type: string, body: string | Buffer) =>
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(body);
    if (req.method !== 'GET') return send(405, 'text/plain', 'GET only');
    if (path === '/config.json') {
      const hostname = (req.headers.host ?? '127.0.0.1').replace(/:\d+$/, '');
      return send(
        200,
        'application/json',
        JSON.stringify({ url: `ws://${hostname}:${options.wsPort}/ws`, symbols: options.symbols, auth: options.mintDemoToken !== undefined }),
      );
    }
    if (path === '/demo-token' && options.mintDemoToken) {
      // A token signed with the fleet's real secret: for a browser on this machine, never the network.
      if (!isLoopback(req.socket.remoteAddress)) {
        return send(403, 'application/json', JSON.stringify({ error: HttpErrorCode.DEMO_TOKEN_FORBIDDEN, hint: 'demo tokens are for this machine only' }));
      }
      options.mintDemoToken().then(
        (token) => send(200, 'text/plain', token),
        () => send(500, 'text/plain', 'no token'),
      );
      return;
    }
    const file = resolveFile(path);
    if (!file) return send(404, 'text/plain', 'not found');
    readFile(file).then(
      (body) => send(200, TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream', body),
      () => send(404, 'text/plain', 'not found'),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error) =>
      reject(
        new OdinError('E_LISTEN_FAILED', `ticker page cannot listen on ${options.host}:${options.port} (${error.message})`, {
          host: options.host,
          port: options.port,
        }),
      ),
    );
    server.listen(options.port, options.host, () => resolve(server));
  });
}

function resolveFile(path: string): string | undefined {
  if (path === '/' || path === '/index.html') return join(PUBLIC_DIR, 'index.html');
  if (path === '/app.js' || path === '/style.css') return join(PUBLIC_DIR, path.slice(1));
  if (path === '/sdk/odin-client.js') return SDK_BUNDLE;
  return undefined;
}

/** Whether a peer address is this machine's (IPv4 127/8, IPv6 ::1, and IPv4 loopback mapped into IPv6). */
export function isLoopback(address: string | undefined): boolean {
  return address !== undefined && (address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.'));
}
