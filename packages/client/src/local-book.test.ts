import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { scriptedServer, until } from '../test-support/scripted-server.js';
import { OdinClient, type OrderBookView, type RecoveryEvent } from './node.js';

// client.book() against a scripted server that can send a wrong checksum or skip a seq on purpose;
// apps/cli/test/order-books.test.ts runs real shards.

type Level = [string, string];
const digits = (text: string) => text.replace('.', '').replace(/^0+/, '');
/** Kraken's v2 checksum, computed here with node:zlib, not the SDK's own code. */
const checksumOf = (bids: Level[], asks: Level[]) =>
  crc32([...asks.slice(0, 10), ...bids.slice(0, 10)].map(([price, quantity]) => digits(price) + digits(quantity)).join(''));
const envelope = (offset: number, data: object, checksum: number, snapshot = false) =>
  JSON.stringify({
    type: 'price:update',
    ...(snapshot ? { snapshot: true } : {}),
    channel: 'X.book',
    pos: { partition: 0, offset },
    ts: offset,
    checksum,
    data,
  });

const BIDS: Level[] = [
  ['100.5', '1'],
  ['100.4', '2'],
];
const ASKS: Level[] = [['100.6', '3']];
const snapshotMessage = (offset: number, seq: number, bids = BIDS, asks = ASKS) =>
  envelope(offset, { type: 'BOOK_SNAPSHOT', data: { symbol: 'X', seq, bids, asks } }, checksumOf(bids, asks), true);
const updateMessage = (offset: number, seq: number, prevSeq: number, bids: Level[], checksum: number) =>
  envelope(offset, { type: 'BOOK_UPDATE', data: { symbol: 'X', seq, prevSeq, bids, asks: [] } }, checksum);

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function ackAnd(socket: WebSocket, then: (subscribes: number, channels: string[]) => void, extra: Record<string, unknown> = {}): void {
  let subscribes = 0;
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as { type: string; id: string; data: { channels: string[] } };
    if (message.type !== 'subscribe') return;
    subscribes++;
    socket.send(JSON.stringify({ type: 'subscription_ack', subscribed: message.data.channels, count: 1, id: message.id, ...extra }));
    then(subscribes, message.data.channels);
  });
}

function follow(url: string, rate?: number) {
  const odin = new OdinClient({ url, backoff: { initialMs: 20, maxMs: 200 } }).connect();
  cleanups.push(() => odin.close());
  const books: OrderBookView[] = [];
  const recoveries: RecoveryEvent[] = [];
  odin.on('recovery', (event) => recoveries.push(event));
  odin.book('X.book', rate === undefined ? {} : { rate }, (book) => books.push(book));
  return { books, recoveries };
}

describe('client.book()', () => {
  it('keeps the book from the snapshot and each update, sorted, checked by seq and checksum', async () => {
    const server = await scriptedServer((socket) =>
      ackAnd(socket, () => {
        socket.send(snapshotMessage(1, 10));
        const after: Level[] = [
          ['100.5', '0'],
          ['100.45', '4'],
        ];
        socket.send(
          updateMessage(
            2,
            11,
            10,
            after,
            checksumOf(
              [
                ['100.45', '4'],
                ['100.4', '2'],
              ],
              ASKS,
            ),
          ),
        );
      }),
    );
    cleanups.push(server.close);
    const { books, recoveries } = follow(server.url);
    await until('two states', () => books.length === 2);
    expect(books[1]).toEqual({
      channel: 'X.book',
      seq: 11,
      bids: [
        ['100.45', '4'],
        ['100.4', '2'],
      ],
      asks: ASKS,
    });
    expect(recoveries).toEqual([]);
  });

  it('never shows a book whose checksum does not match, or after a gap: BOOK_RESYNC, and it starts again from a snapshot', async () => {
    const server = await scriptedServer((socket) =>
      ackAnd(socket, (subscribes) => {
        if (subscribes === 1) {
          socket.send(snapshotMessage(1, 10));
          socket.send(updateMessage(2, 11, 10, [['100.5', '5']], 12345)); // a wrong checksum
          socket.send(updateMessage(3, 12, 11, [['100.5', '6']], 1)); // on its way already: ignored
        } else if (subscribes === 2) {
          socket.send(snapshotMessage(4, 20));
          socket.send(updateMessage(5, 22, 21, [['100.5', '7']], 0)); // a gap: 21 never came
        } else socket.send(snapshotMessage(6, 30, [['99', '1']], ASKS));
      }),
    );
    cleanups.push(server.close);
    const { books, recoveries } = follow(server.url);
    await until('the book after two restarts', () => books.find((book) => book.seq === 30));
    expect(books.map((book) => book.seq)).toEqual([10, 20, 30]);
    expect(books.at(-1)).toEqual({ channel: 'X.book', seq: 30, bids: [['99', '1']], asks: ASKS });
    expect(recoveries).toEqual([
      { channel: 'X.book', recovered: false, reason: 'BOOK_RESYNC' },
      { channel: 'X.book', recovered: false, reason: 'BOOK_RESYNC' },
    ]);
  });

  it('takes the merged rate variant, and reports a stale book from the ack', async () => {
    const server = await scriptedServer((socket) => ackAnd(socket, () => undefined, { stale: ['X.book@250ms'] }));
    cleanups.push(server.close);
    const { recoveries } = follow(server.url, 250);
    await until('the stale notice', () => recoveries.length === 1);
    expect(recoveries).toEqual([{ channel: 'X.book@250ms', recovered: false, reason: 'BOOK_RESYNC' }]);
    expect(server.requests.find((request) => request['type'] === 'subscribe')).toMatchObject({ data: { channels: ['X.book@250ms'] } });
  });
});
