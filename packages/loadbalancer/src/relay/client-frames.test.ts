import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as ws from 'ws';
import { ClientFrameBoundaries } from './client-frames.js';

/** The part of ws' Sender the tests use; @types/ws does not declare the class. */
interface FrameWriter {
  frame(data: Buffer, options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; maskBuffer: Buffer; rsv1: boolean }): Buffer[];
}
const { Sender } = ws as unknown as { Sender: FrameWriter };

/** Real masked client frames, as the `ws` library writes them. */
function clientFrame(payload: Buffer): Buffer {
  const frames = Sender.frame(payload, { fin: true, opcode: 0x02, mask: true, readOnly: false, maskBuffer: randomBytes(4), rsv1: false });
  return Buffer.concat(frames);
}

describe('ClientFrameBoundaries', () => {
  it('finds boundaries across frames of every length encoding, split at any byte', () => {
    const stream = Buffer.concat([clientFrame(randomBytes(5)), clientFrame(randomBytes(300)), clientFrame(randomBytes(70_000))]);
    const ends = [stream.length - clientFrame(randomBytes(70_000)).length - clientFrame(randomBytes(300)).length];
    ends.push(ends[0]! + clientFrame(randomBytes(300)).length, stream.length);
    for (const split of [1, 2, 7, 13, 100, 4096]) {
      const tracker = new ClientFrameBoundaries();
      const boundariesSeen: number[] = [];
      for (let offset = 0; offset < stream.length; offset += split) {
        const chunk = stream.subarray(offset, Math.min(stream.length, offset + split));
        const consumed = tracker.feed(chunk);
        if (tracker.atBoundary) boundariesSeen.push(offset + chunk.length);
        // What a closeWith forwards of this chunk: up to the first frame end inside it, else all of it.
        const nextEnd = ends.find((end) => end > offset && end <= offset + chunk.length);
        expect(consumed).toBe(nextEnd === undefined ? chunk.length : nextEnd - offset);
      }
      expect(tracker.atBoundary).toBe(true);
      for (const end of ends) if (end % split === 0 || end === stream.length) expect(boundariesSeen).toContain(end);
    }
  });

  it('says how many bytes of a chunk finish the frame in progress', () => {
    const first = clientFrame(Buffer.from('hello'));
    const second = clientFrame(Buffer.from('world'));
    const tracker = new ClientFrameBoundaries();
    expect(tracker.feed(first.subarray(0, 4))).toBe(4);
    expect(tracker.atBoundary).toBe(false);
    expect(tracker.feed(Buffer.concat([first.subarray(4), second.subarray(0, 3)]))).toBe(first.length - 4);
  });
});

describe('ClientFrameBoundaries masking check', () => {
  it('flags an unmasked client frame, even when its header arrives a byte at a time', () => {
    const masked = new ClientFrameBoundaries();
    masked.feed(clientFrame(randomBytes(10)));
    expect(masked.unmasked).toBe(false);
    const unmasked = new ClientFrameBoundaries();
    const frame = Buffer.concat([Buffer.from([0x81, 0x03]), Buffer.from('abc')]);
    unmasked.feed(frame.subarray(0, 1));
    expect(unmasked.unmasked).toBe(false);
    unmasked.feed(frame.subarray(1));
    expect(unmasked.unmasked).toBe(true);
  });
});
