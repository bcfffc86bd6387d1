import { LocalBook, type OrderBookView } from './local-book.js';
import type { MessageHandler, Subscription } from './subscription.js';

/** What client.book() needs of the client. */
export interface BookHost {
  subscribe(name: string, handler: MessageHandler<unknown>): Subscription<unknown>;
  /** Drops the channel and subscribes it again for a snapshot, with a `recovery` event BOOK_RESYNC. */
  restart(subscription: Subscription<unknown>): void;
  /** A `recovery` event BOOK_RESYNC, nothing else: the server said the book is stale. */
  resynced(name: string): void;
}

/**
 * A subscription that keeps a LocalBook of `name` and hands `onBook` each state it reaches. After a
 * problem (local-book.ts) the copy waits for the next snapshot: what was already on its way is not
 * the new start, and taking it would restart again for nothing.
 */
export function followBook(host: BookHost, name: string, onBook?: (book: OrderBookView) => void): { subscription: Subscription<unknown>; onStale: () => void } {
  const copy = new LocalBook(name);
  let awaitingSnapshot = true;
  const startAgain = () => {
    copy.reset();
    awaitingSnapshot = true;
  };
  const subscription = host.subscribe(name, (message) => {
    const isSnapshot = (message.data as { type?: unknown } | undefined)?.type === 'BOOK_SNAPSHOT';
    if (awaitingSnapshot && !isSnapshot) return;
    const result = copy.apply(message.data, message.checksum);
    if (typeof result === 'string') {
      startAgain();
      subscription.forgetPosition();
      host.restart(subscription);
      return;
    }
    awaitingSnapshot = false;
    onBook?.(result);
  });
  return {
    subscription,
    onStale: () => {
      startAgain();
      host.resynced(name);
    },
  };
}
