import { connect, createServer, type Server, type Socket } from 'node:net';

export interface FrameDroppingProxy {
  url: string;
  /** Frames dropped so far (their payloads, as drop() saw them). */
  dropped: string[];
  /** While false, new connections are closed at once, as a load balancer does with no shard ready. */
  accepting: boolean;
  close(): Promise<void>;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * A TCP proxy in front of a WebSocket server that withholds chosen server-to-client frames: the
 * record lost on the way that a client must notice by itself (a real shard never drops one on
 * purpose). Client-to-server bytes pass untouched. Reads the server's frames as RFC 6455 lays them
 * out (unmasked, whole), so it needs permessage-deflate off. `drop` sees each data frame's payload:
 * text as text, binary (odin-ws's zlib frames, whose header names the channel in ASCII) as latin1.
 */
export async function startFrameDroppingProxy(target: { host: string; port: number }, drop: (text: string) => boolean): Promise<FrameDroppingProxy> {
  const dropped: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (!proxy.accepting) {
      client.destroy();
      return;
    }
    const upstream = connect(target);
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    let pending = Buffer.alloc(0);
    let upgraded = false;
    upstream.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (!upgraded) {
        const end = pending.indexOf(HEAD_END);
        if (end === -1) return;
        client.write(pending.subarray(0, end + HEAD_END.length));
        pending = pending.subarray(end + HEAD_END.length);
        upgraded = true;
      }
      for (let frame = nextFrame(pending); frame !== undefined; frame = nextFrame(pending)) {
        pending = pending.subarray(frame.length);
        const payload = frame.opcode === 1 ? frame.payload.toString('utf8') : frame.opcode === 2 ? frame.payload.toString('latin1') : undefined;
        if (payload !== undefined && drop(payload)) dropped.push(payload);
        else client.write(frame.bytes);
      }
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const proxy: FrameDroppingProxy = {
    url: `ws://127.0.0.1:${port}/ws`,
    dropped,
    accepting: true,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return proxy;
}

/** The first whole frame in `buffer` (its bytes, opcode and payload), or undefined until it has all arrived. */
function nextFrame(buffer: Buffer): { length: number; bytes: Buffer; opcode: number; payload: Buffer } | undefined {
  if (buffer.length < 2) return undefined;
  const opcode = buffer[0]! & 0x0f;
  let length = buffer[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buffer.length < 4) return undefined;
    length = buffer.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return undefined;
    length = Number(buffer.readBigUInt64BE(2));
    offset = 10;
  }
  if (buffer.length < offset + length) return undefined;
  return { length: offset + length, bytes: buffer.subarray(0, offset + length), opcode, payload: buffer.subarray(offset, offset + length) };
}
