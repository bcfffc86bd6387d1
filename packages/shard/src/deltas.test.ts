import { inflateSync } from 'node:zlib';
import { buildEnvelope, DeflateFrameKind, type DeltaFormat, deflateDictionary, envelopeDataJson, readDeflateFrame } from '@odin-ws/protocol';
import { applyStringDelta } from 'fossil-delta';
import { describe, expect, it } from 'vitest';
import { formTopicOf } from './channel-forms.js';
import { DeltaPublisher } from './deltas.js';

// The publisher with a fake topic tree that records each publish.

function setup(subscribers: number, formats: DeltaFormat[] = ['fossil']) {
  const published: Array<{ topic: string; frame: string; bytes: Buffer; isBinary: boolean; compress: boolean }> = [];
  const app = {
    numSubscribers: (topic: string) => (formats.some((format) => topic === formTopicOf('SOL.book', format)) ? subscribers : 0),
    publish: (topic: string, frame: string | Buffer, isBinary: boolean, compress: boolean) => {
      published.push({ topic, frame: String(frame), bytes: Buffer.from(frame), isBinary, compress });
      return true;
    },
  };
  return { deltas: new DeltaPublisher(app as unknown as ConstructorParameters<typeof DeltaPublisher>[0], false), published };
}

/** A ten-level book where one level's size changes per update, as books do. */
const book = (partition: number, offset: number, size: number) =>
  buildEnvelope({
    channel: 'SOL.book',
    partition,
    offset,
    ts: offset,
    dataJson: JSON.stringify({
      seq: offset,
      bids: Array.from({ length: 10 }, (_, i) => [182.4 - i / 100, i === 0 ? size : 3 + i]),
      asks: Array.from({ length: 10 }, (_, i) => [182.41 + i / 100, 5 + i]),
    }),
  });

describe('DeltaPublisher', () => {
  it('publishes the first record full, then each as a delta from the previous that rebuilds it exactly', () => {
    const { deltas, published } = setup(2);
    const frames = [book(3, 10, 11), book(3, 11, 12), book(3, 12, 13)];
    deltas.published('SOL.book', 3, 10, 10, frames[0]!, undefined);
    deltas.published('SOL.book', 3, 11, 11, frames[1]!, frames[0]);
    deltas.published('SOL.book', 3, 12, 12, frames[2]!, frames[1]);
    expect(published.map(({ topic }) => topic)).toEqual([
      formTopicOf('SOL.book', 'fossil'),
      formTopicOf('SOL.book', 'fossil'),
      formTopicOf('SOL.book', 'fossil'),
    ]);
    expect(published[0]!.frame).toBe(frames[0]);
    let data = envelopeDataJson(frames[0]!)!;
    for (const [index, { frame }] of published.slice(1).entries()) {
      const envelope = JSON.parse(frame) as { pos: { offset: number }; delta: { base: number; fossil: string }; data?: unknown };
      expect(envelope.data).toBeUndefined();
      expect(envelope.delta.base).toBe(10 + index);
      data = applyStringDelta(data, envelope.delta.fossil, { verifyChecksum: true });
      expect(data).toBe(envelopeDataJson(frames[index + 1]!));
      expect(frame.length).toBeLessThan(frames[index + 1]!.length);
    }
  });

  it('publishes full when the delta would not be shorter', () => {
    const { deltas, published } = setup(1);
    const tiny = (offset: number, n: number) => buildEnvelope({ channel: 'SOL.book', partition: 0, offset, ts: 1, dataJson: `{"n":${n}}` });
    deltas.published('SOL.book', 0, 2, 1, tiny(2, 7), tiny(1, 6));
    expect(published[0]!.frame).toBe(tiny(2, 7));
  });

  it('publishes full after a partition change, and nothing at all without delta subscribers', () => {
    const moved = setup(1);
    moved.deltas.published('SOL.book', 4, 1, 1, book(4, 1, 11), book(3, 12, 13));
    expect(moved.published[0]!.frame).toBe(book(4, 1, 11));
    const nobody = setup(0);
    nobody.deltas.published('SOL.book', 3, 11, 11, book(3, 11, 12), book(3, 10, 11));
    expect(nobody.published).toEqual([]);
  });
});

/** A deflate frame's envelope text, inflated with the dictionary its kind names (`base`: the previous envelope). */
function inflated(bytes: Buffer, base: string | undefined): string {
  const frame = readDeflateFrame(bytes)!;
  expect(frame.channel).toBe('SOL.book');
  return inflateSync(frame.zlib, { dictionary: deflateDictionary(frame.kind, base) }).toString();
}

describe('DeltaPublisher: deflate frames', () => {
  it('publishes binary frames, the first against the envelope dictionary, each later one against the previous envelope, rebuilding every envelope exactly', () => {
    const { deltas, published } = setup(3, ['deflate']);
    const frames = [book(3, 10, 11), book(3, 11, 12), book(3, 12, 13)];
    deltas.published('SOL.book', 3, 10, 10, frames[0]!, undefined);
    deltas.published('SOL.book', 3, 11, 11, frames[1]!, frames[0]);
    deltas.published('SOL.book', 3, 12, 12, frames[2]!, frames[1]);
    expect(published.map(({ topic, isBinary, compress }) => [topic, isBinary, compress])).toEqual(
      Array(3).fill([formTopicOf('SOL.book', 'deflate'), true, false]),
    );
    expect(published.map(({ bytes }) => readDeflateFrame(bytes)!.kind)).toEqual([DeflateFrameKind.FULL, DeflateFrameKind.DELTA, DeflateFrameKind.DELTA]);
    expect(inflated(published[0]!.bytes, undefined)).toBe(frames[0]);
    for (const index of [1, 2]) {
      expect(inflated(published[index]!.bytes, frames[index - 1])).toBe(frames[index]);
      // One level changed: a delta is a small fraction of the envelope.
      expect(published[index]!.bytes.length).toBeLessThan(frames[index]!.length / 4);
    }
  });

  it("a delta inflated against another base fails zlib's dictionary check rather than giving a wrong envelope", () => {
    const { deltas, published } = setup(1, ['deflate']);
    deltas.published('SOL.book', 3, 11, 11, book(3, 11, 12), book(3, 10, 11));
    expect(() => inflated(published[0]!.bytes, book(3, 9, 10))).toThrow(/dictionary/i);
  });

  it('publishes full after a partition change, and each format only to its own subscribers', () => {
    const { deltas, published } = setup(1, ['deflate', 'fossil']);
    deltas.published('SOL.book', 4, 1, 1, book(4, 1, 11), book(3, 12, 13));
    expect(published.map(({ topic }) => topic)).toEqual([formTopicOf('SOL.book', 'fossil'), formTopicOf('SOL.book', 'deflate')]);
    expect(readDeflateFrame(published[1]!.bytes)!.kind).toBe(DeflateFrameKind.FULL);
    expect(inflated(published[1]!.bytes, undefined)).toBe(book(4, 1, 11));
  });
});
