import { createServer, type IncomingMessage, type Server } from 'node:http';
import { SHARD_LOAD_PATH, type ShardHealthReport } from '@odin-ws/protocol';
import { type WebSocket, WebSocketServer } from 'ws';
import { freePort } from './ports.js';

const MAX_CONNECTIONS = 1000;

export interface EchoBackend {
  port: number;
  url: string;
  /** Handshake requests as the backend received them. */
  handshakes: IncomingMessage[];
  /** Close codes and reasons the backend received from clients. */
  closes: Array<{ code: number; reason: string }>;
  close(): Promise<void>;
}

/**
 * A stand-in shard for load-balancer tests that need to see bytes come back unchanged: it answers
 * /health like a shard (the same report type) and echoes every WebSocket message with its type (text or binary). Sending
 * the text "close-me" makes it close with 4001, "ping-me" makes it ping.
 */
export async function startEchoBackend(shardId = 'echo'): Promise<EchoBackend> {
  const port = await freePort();
  const handshakes: IncomingMessage[] = [];
  const closes: Array<{ code: number; reason: string }> = [];
  const server: Server = createServer((req, res) => {
    // /load (what the load balancer polls) answers with the full report, a superset of it.
    if (req.url === '/health' || req.url === SHARD_LOAD_PATH) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const connections = wss.clients.size;
      const report: ShardHealthReport = {
        shardId,
        pid: process.pid,
        status: 'ok',
        connections,
        maxConnections: MAX_CONNECTIONS,
        utilization: connections / MAX_CONNECTIONS,
        subscriptions: 0,
        channels: 0,
        kafka: { state: 'consuming', consuming: true },
        draining: false,
        uptimeS: 0,
      };
      res.end(JSON.stringify(report));
      return;
    }
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
  wss.on('connection', (ws: WebSocket, req) => {
    handshakes.push(req);
    ws.on('message', (data, isBinary) => {
      if (!isBinary && data.toString() === 'close-me') return ws.close(4001, 'server bye');
      if (!isBinary && data.toString() === 'ping-me') return ws.ping(Buffer.from('from-server'));
      ws.send(data, { binary: isBinary });
    });
    ws.on('close', (code, reason) => closes.push({ code, reason: reason.toString() }));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    url: `ws://127.0.0.1:${port}/ws`,
    handshakes,
    closes,
    close: () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
