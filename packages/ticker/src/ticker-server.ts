import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OdinError } from '@odin-ws/errors';

export interface TickerPageOptions {
  host: string;
  port: number;
  /** The load balancer's port: the page connects to ws://<the host it was loaded from>:<wsPort>/ws. */
  wsPort: number;
  symbols: string[];
}

const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));
const require = createRequire(import.meta.url);
/** The SDK and what it imports, served as ES modules the page's import map points at. */
const MODULE_DIRS: Record<string, string> = {
  client: packageDist('@odin-ws/client'),
  protocol: packageDist('@odin-ws/protocol'),
  errors: packageDist('@odin-ws/errors'),
};
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/**
 * Serves the ticker page, its script and the SDK modules, and nothing else: a fixed set of files
 * for the page, and `.js` files of three package dist folders under /sdk/<package>/, with any
 * path that would leave those folders refused.
 */
export function startTickerPage(options: TickerPageOptions): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://page').pathname;
    const send = (status: number, type: string, body: string | Buffer) =>
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(body);
    if (req.method !== 'GET') return send(405, 'text/plain', 'GET only');
    if (path === '/config.json') {
      const hostname = (req.headers.host ?? '127.0.0.1').replace(/:\d+$/, '');
      return send(200, 'application/json', JSON.stringify({ url: `ws://${hostname}:${options.wsPort}/ws`, symbols: options.symbols }));
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
  const match = /^\/sdk\/([a-z]+)\/([A-Za-z0-9_/-]+\.js)$/.exec(path);
  const dir = match ? MODULE_DIRS[match[1]!] : undefined;
  if (!match || !dir) return undefined;
  const file = normalize(join(dir, match[2]!));
  return file.startsWith(dir + sep) ? file : undefined;
}

function packageDist(name: string): string {
  return `${dirname(require.resolve(`${name}/package.json`))}${sep}dist`;
}
