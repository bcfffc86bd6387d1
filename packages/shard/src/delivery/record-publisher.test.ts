import { inflateSync } from 'node:zlib';
import { buildEnvelope, envelopeDataJson, readZlibFrame, ZlibFrameKind, zlibFrameDictionary } from '@odin-ws/protocol';
import { applyStringDelta } from 'fossil-delta';
import { describe, expect, it } from 'vitest';
import { formTopicOf } from './form-topics.js';
import { type ChannelForm, RECORD_FORMS } from './record-forms.js';
import { RecordPublisher } from './record-publisher.js';

// The publisher with a fake topic tree that records each publish; `subscribers` connections hold
// SOL.book in each of `forms`, none plain.

function setup(subscribers: number, forms: ChannelForm[] = ['fossil']) {
  const published: Array<{ topic: string; frame: string; bytes: Buffer; isBinary: boolean; compress: boolean }> = [];
  let deltas = 0;
  const app = {
    numSubscribers: (topic: string) => (forms.some((form) => topic === formTopicOf('SOL.book', form)) ? subscribers : 0),
    publish: (topic: string, frame: string | Buffer, isBinary: boolean, compress: boolean) => {
      published.push({ topic, frame: String(frame), bytes: Buffer.from(frame), isBinary, compress });
      return true;
    },
  };
  const publisher = new RecordPublisher(app, { permessageDeflate: false, isHeld: (form) => forms.includes(form), onDelta: () => deltas++ });
  /** The book at `at` published, the one at `previous` held as the channel's previous envelope. */
  const publish = (at: BookAt, previous?: BookAt) =>
    publisher.publish(
      {
        channel: 'SOL.book',
        partition: at[0],
        offset: at[1],
        ts: at[1],
        prev: previous?.[1] ?? null,
        envelope: book(...at),
        previous: previous && { envelope: book(...previous), partition: previous[0], offset: previous[1] },
      },
      true,
    );
  return { publisher, publish, published, deltas: () => deltas };
}

/** A book's partition, offset and the size of its changing level. */
type BookAt = [partition: number, offset: number, size: number];

/** A ten-level book where one level's size changes per update, as books do. */
const book = (partition: number, offset: number, size: number) =>
  buildEnvelope({
    channel: 'SOL.book',
    partition,
    offset,
    ts: offset,
    prev: null,
    dataJson: JSON.stringify({
      seq: offset,
      bids: Array.from({ length: 10 }, (_, i) => [182.4 - i / 100, i === 0 ? size : 3 + i]),
      asks: Array.from({ length: 10 }, (_, i) => [182.41 + i / 100, 5 + i]),
    }),
  });

describe('RecordPublisher: Fossil deltas', () => {
  it('publishes the first record full, then each as a delta from the previous that rebuilds it exactly', () => {
    const { publish, published, deltas } = setup(2);
    const frames = [book(3, 10, 11), book(3, 11, 12), book(3, 12, 13)];
    publish([3, 10, 11]);
    publish([3, 11, 12], [3, 10, 11]);
    publish([3, 12, 13], [3, 11, 12]);
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
    expect(deltas()).toBe(2);
  });

  it('publishes full when the delta would not be shorter', () => {
    const tiny = (offset: number, n: number) => buildEnvelope({ channel: 'SOL.book', partition: 0, offset, ts: 1, prev: null, dataJson: `{"n":${n}}` });
    const { publisher, published } = setup(1);
    publisher.publish(
      { channel: 'SOL.book', partition: 0, offset: 2, ts: 1, prev: null, envelope: tiny(2, 7), previous: { envelope: tiny(1, 6), partition: 0, offset: 1 } },
      true,
    );
    expect(published[0]!.frame).toBe(tiny(2, 7));
  });

  it('publishes full after a partition change, and nothing at all without delta subscribers', () => {
    const moved = setup(1);
    moved.publish([4, 1, 11], [3, 12, 13]);
    expect(moved.published[0]!.frame).toBe(book(4, 1, 11));
    const nobody = setup(0);
    expect(nobody.publish([3, 11, 12], [3, 10, 11])).toBe(0);
    expect(nobody.published).toEqual([]);
    expect(moved.deltas()).toBe(0);
  });
});

/** A deflate frame's envelope text, inflated with the dictionary its kind names (`base`: the previous envelope). */
function inflated(bytes: Buffer, base: string | undefined): string {
  const frame = readZlibFrame(bytes)!;
  expect(frame.channel).toBe('SOL.book');
  return inflateSync(frame.zlib, { dictionary: zlibFrameDictionary(frame.kind, base) }).toString();
}

describe('RecordPublisher: deflate deltas', () => {
  it('publishes binary frames, the first against the envelope dictionary, each later one against the previous envelope, rebuilding every envelope exactly', () => {
    const { publish, published, deltas } = setup(3, ['deflate']);
    const frames = [book(3, 10, 11), book(3, 11, 12), book(3, 12, 13)];
    publish([3, 10, 11]);
    publish([3, 11, 12], [3, 10, 11]);
    publish([3, 12, 13], [3, 11, 12]);
    expect(published.map(({ topic, isBinary, compress }) => [topic, isBinary, compress])).toEqual(
      Array(3).fill([formTopicOf('SOL.book', 'deflate'), true, false]),
    );
    expect(published.map(({ bytes }) => readZlibFrame(bytes)!.kind)).toEqual([ZlibFrameKind.FULL, ZlibFrameKind.DELTA, ZlibFrameKind.DELTA]);
    expect(inflated(published[0]!.bytes, undefined)).toBe(frames[0]);
    for (const index of [1, 2]) {
      expect(inflated(published[index]!.bytes, frames[index - 1])).toBe(frames[index]);
      // One level changed: a delta is a small fraction of the envelope.
      expect(published[index]!.bytes.length).toBeLessThan(frames[index]!.length / 4);
    }
    expect(deltas()).toBe(2);
  });

  it("a delta inflated against another base fails zlib's dictionary check rather than giving a wrong envelope", () => {
    const { publish, published } = setup(1, ['deflate']);
    publish([3, 11, 12], [3, 10, 11]);
    expect(() => inflated(published[0]!.bytes, book(3, 9, 10))).toThrow(/dictionary/i);
  });

  it('publishes full after a partition change, and each form only to its own subscribers', () => {
    const { publish, published } = setup(1, ['deflate', 'fossil']);
    expect(publish([4, 1, 11], [3, 12, 13])).toBe(2);
    expect(published.map(({ topic }) => topic)).toEqual([formTopicOf('SOL.book', 'fossil'), formTopicOf('SOL.book', 'deflate')]);
    expect(readZlibFrame(published[1]!.bytes)!.kind).toBe(ZlibFrameKind.FULL);
    expect(inflated(published[1]!.bytes, undefined)).toBe(book(4, 1, 11));
  });
});

describe('RecordPublisher: plain envelopes, compressed frames and what costs nothing', () => {
  function tree(subscribers: Record<string, number>) {
    const published: Array<{ topic: string; bytes: Buffer; isBinary: boolean; compress: boolean }> = [];
    const looked: string[] = [];
    const app = {
      numSubscribers: (topic: string) => {
        looked.push(topic);
        return subscribers[topic] ?? 0;
      },
      publish: (topic: string, frame: string | Buffer, isBinary: boolean, compress: boolean) => {
        published.push({ topic, bytes: Buffer.from(frame), isBinary, compress });
        return true;
      },
    };
    return { app, published, looked };
  }
  const trade = buildEnvelope({ channel: 'BTC.trade', partition: 2, offset: 7, ts: 1, prev: null, dataJson: '{"price":"97250.1"}' });
  const record = { channel: 'BTC.trade', partition: 2, offset: 7, ts: 1, prev: null, envelope: trade, previous: undefined };

  it('sends the plain envelope to the channel topic (permessage-deflate as configured) and a compressed frame to the compressed topic', () => {
    const { app, published } = tree({ 'BTC.trade': 3, 'BTC.trade|compressed': 2 });
    const publisher = new RecordPublisher(app, { permessageDeflate: true, isHeld: () => true });
    expect(publisher.publish(record, false)).toBe(5);
    expect(published.map(({ topic, isBinary, compress }) => [topic, isBinary, compress])).toEqual([
      ['BTC.trade', false, true],
      ['BTC.trade|compressed', true, false],
    ]);
    const frame = readZlibFrame(published[1]!.bytes)!;
    expect(frame.kind).toBe(ZlibFrameKind.FULL);
    expect(inflateSync(frame.zlib, { dictionary: zlibFrameDictionary(frame.kind) }).toString()).toBe(trade);
  });

  it('looks up no form topic while no connection holds that form, and no state-only form for another channel', () => {
    const idle = tree({ 'BTC.trade': 1 });
    new RecordPublisher(idle.app, { permessageDeflate: false, isHeld: () => false }).publish(record, false);
    expect(idle.looked).toEqual(['BTC.trade']);
    const held = tree({});
    const publisher = new RecordPublisher(held.app, { permessageDeflate: false, isHeld: () => true });
    expect(publisher.hasSubscribers('BTC.trade', false)).toBe(false);
    expect(held.looked).toEqual(['BTC.trade', 'BTC.trade|compressed']);
  });
});

describe('RecordPublisher: --form-max-record-size', () => {
  it('sends a record past it as its plain envelope to every form, and builds no delta from one past it', () => {
    const published: Array<{ topic: string; frame: string; bytes: Buffer; isBinary: boolean }> = [];
    const app = {
      numSubscribers: (topic: string) => (topic.startsWith('SOL.book|') ? 1 : 0),
      publish: (topic: string, frame: string | Buffer, isBinary: boolean) => {
        published.push({ topic, frame: String(frame), bytes: Buffer.from(frame), isBinary });
        return true;
      },
    };
    const small = book(0, 1, 11);
    const publisher = new RecordPublisher(app, { permessageDeflate: false, isHeld: () => true, formMaxRecordSize: small.length + 10 });
    const large = buildEnvelope({
      channel: 'SOL.book',
      partition: 0,
      offset: 2,
      ts: 2,
      prev: null,
      dataJson: JSON.stringify({ pad: 'x'.repeat(small.length) }),
    });
    publisher.publish(
      { channel: 'SOL.book', partition: 0, offset: 2, ts: 2, prev: null, envelope: large, previous: { envelope: small, partition: 0, offset: 1 } },
      true,
    );
    expect(published.map(({ isBinary, frame }) => [isBinary, frame === large])).toEqual(Array(3).fill([false, true]));
    published.length = 0;
    publisher.publish(
      { channel: 'SOL.book', partition: 0, offset: 3, ts: 3, prev: null, envelope: small, previous: { envelope: large, partition: 0, offset: 2 } },
      true,
    );
    // After it: full frames, no delta against it.
    expect(JSON.parse(published[0]!.frame).delta).toBeUndefined();
    expect(published.map(({ topic }) => topic)).toEqual(['SOL.book|fossil', 'SOL.book|deflate', 'SOL.book|compressed']);
    expect(readZlibFrame(published[1]!.bytes)!.kind).toBe(ZlibFrameKind.FULL);
  });
});

describe('RECORD_FORMS', () => {
  it('is the one registration of forms: names are unique and deltas come before compressed frames', () => {
    const names = RECORD_FORMS.map((form) => form.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(['fossil', 'deflate', 'compressed']);
  });
});
