import { randomBytes } from 'node:crypto';

/**
 * Frame boundaries of the client-to-shard byte stream, tracked from frame headers alone (no
 * payload is read or copied). Client traffic is a few small requests, so this costs next to
 * nothing; it is what lets a draining load balancer insert a close frame of its own between two
 * client frames without ever parsing the shard-to-client stream.
 */
export class ClientFrameBoundaries {
  /** Bytes of the current frame still to come (header included once known). */
  private remaining = 0;
  private readonly header = Buffer.alloc(14);
  private headerBytes = 0;
  /**
   * Set once a client frame arrives unmasked. RFC 6455 5.1 requires the server to close then; uWS
   * does not check, and would read the frame's first payload bytes as a mask key and the rest as
   * garbage, so the load balancer enforces it.
   */
  unmasked = false;

  get atBoundary(): boolean {
    return this.remaining === 0 && this.headerBytes === 0;
  }

  /** Consumes a chunk; returns how many of its bytes complete the frame in progress (0 at a boundary). */
  feed(chunk: Buffer): number {
    let offset = 0;
    let firstBoundary = -1;
    while (offset < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - offset);
        this.remaining -= take;
        offset += take;
      } else {
        this.header[this.headerBytes++] = chunk[offset++]!;
        if (this.headerBytes === 2 && (this.header[1]! & 0x80) === 0) this.unmasked = true;
        const needed = headerLength(this.header, this.headerBytes);
        if (needed !== undefined && this.headerBytes === needed) {
          this.remaining = payloadLength(this.header);
          this.headerBytes = 0;
        }
      }
      if (firstBoundary === -1 && this.atBoundary) firstBoundary = offset;
    }
    return firstBoundary === -1 ? chunk.length : firstBoundary;
  }
}

/** Header length once enough of it is known: 2 bytes, 2 or 8 of extended length, 4 of mask key. */
function headerLength(header: Buffer, known: number): number | undefined {
  if (known < 2) return undefined;
  const masked = (header[1]! & 0x80) !== 0;
  const length7 = header[1]! & 0x7f;
  return 2 + (length7 === 126 ? 2 : length7 === 127 ? 8 : 0) + (masked ? 4 : 0);
}

function payloadLength(header: Buffer): number {
  const length7 = header[1]! & 0x7f;
  if (length7 === 126) return header.readUInt16BE(2);
  if (length7 === 127) return Number(header.readBigUInt64BE(2));
  return length7;
}

/** A masked client close frame (clients must mask, RFC 6455 5.3). */
export function maskedCloseFrame(code: number, reason: string): Buffer {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2, 'utf8');
  const mask = randomBytes(4);
  for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
  return Buffer.concat([Buffer.from([0x88, 0x80 | payload.length]), mask, payload]);
}
