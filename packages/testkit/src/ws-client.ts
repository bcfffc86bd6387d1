import WebSocket from 'ws';
import { waitFor } from './wait.js';

export interface ClosedEvent {
  code: number;
  reason: string;
}

/**
 * A WebSocket client for tests: records every text message parsed as JSON, every binary one as
 * bytes, and how it closed. Uses `ws`, a client we did not write.
 */
export class TestClient {
  readonly messages: Array<Record<string, unknown>> = [];
  /** Binary messages: `"delta":"deflate"` frames. */
  readonly binaryMessages: Buffer[] = [];
  closed: ClosedEvent | undefined;
  readonly closedPromise: Promise<ClosedEvent>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      if (!isBinary) this.messages.push(JSON.parse(data.toString()) as Record<string, unknown>);
      else this.binaryMessages.push(data as Buffer);
    });
    this.closedPromise = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        this.closed = { code, reason: reason.toString() };
        resolve(this.closed);
      });
    });
  }

  static connect(url: string, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { perMessageDeflate: false, ...options });
      const client = new TestClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) =>
        reject(new Error(`handshake refused: HTTP ${res.statusCode} retry-after=${res.headers['retry-after'] ?? ''}`)),
      );
    });
  }

  /** Bytes this client's TCP socket has read: frames as they crossed the wire (compressed or not). */
  get wireBytesRead(): number {
    return (this.socket as unknown as { _socket: { bytesRead: number } })._socket.bytesRead;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Sends and waits for the next message of `replyType` (an ack, pong or error). */
  async request(message: unknown, replyType: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const seen = this.messages.length;
    this.send(message);
    return waitFor(`a ${replyType} reply`, () => this.messages.slice(seen).find((m) => m['type'] === replyType), timeoutMs, 5);
  }

  async subscribe(channels: string[], timeoutMs?: number): Promise<Record<string, unknown>> {
    return this.request({ type: 'subscribe', data: { channels } }, 'subscription_ack', timeoutMs);
  }

  dataMessages(channel?: string): Array<Record<string, unknown>> {
    return this.messages.filter((m) => m['type'] === 'price:update' && (channel === undefined || m['channel'] === channel));
  }

  async waitForData(count: number, channel?: string, timeoutMs = 15_000): Promise<Array<Record<string, unknown>>> {
    return waitFor(
      `${count} data messages${channel ? ` on ${channel}` : ''}`,
      () => {
        const data = this.dataMessages(channel);
        return data.length >= count ? data : undefined;
      },
      timeoutMs,
      10,
    );
  }

  close(): void {
    this.socket.close();
  }

  terminate(): void {
    this.socket.terminate();
  }
}

/** The clients a test opens, terminated together when it ends (in its afterAll). */
export class OpenedClients {
  private readonly clients: TestClient[] = [];

  get all(): readonly TestClient[] {
    return this.clients;
  }

  async connect(url: string, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
    const client = await TestClient.connect(url, options);
    this.clients.push(client);
    return client;
  }

  terminateAll(): void {
    for (const client of this.clients.splice(0)) client.terminate();
  }
}
