import { BOOK_DEPTHS, type BookDepth, baseChannelOf } from '@odin-ws/protocol';
import type { TemplatedApp } from '../platform/index.js';
import type { OrderBooks } from '../state/index.js';
import { formTopicOf } from './form-topics.js';

/** The form a book subscription takes for `"depth": N`: held on `<name>|depth<N>`. */
export type DepthForm = `depth${BookDepth}`;

export function depthForm(depth: BookDepth): DepthForm {
  return `depth${depth}`;
}

/**
 * Top-of-book depths of maintained books (`"depth": 10 | 25 | 100`): a BOOK_SNAPSHOT of the top N
 * levels a side, published to the book's (or its rate variant's) depth topic when those levels
 * changed since the last one sent there: after a record on the plain channel, at most once per
 * interval on a variant. Built once per channel, depth and interval, whatever the number of
 * subscribers, and only while someone here holds that depth at all.
 */
export class BookDepthPublisher {
  /** Per depth topic, the top-N data last published there: the next is sent only if it differs. */
  private readonly lastSent = new Map<string, string>();

  constructor(
    private readonly app: Pick<TemplatedApp, 'numSubscribers' | 'publish'>,
    private readonly books: OrderBooks,
    /** Whether any connection here holds some channel in this depth form (subscriptions.ts counts). */
    private readonly isHeld: (form: DepthForm) => boolean,
    /** Per publish: the subscribers it reached. */
    private readonly onPublish: (subscribers: number) => void = () => undefined,
  ) {}

  /**
   * A subscriber of `name` at `depth` was sent the current top-N as its snapshot: what the topic's
   * next message must differ from, when nobody there has been sent one yet.
   */
  sentSnapshot(name: string, depth: BookDepth): void {
    const topic = formTopicOf(name, depthForm(depth));
    if (this.lastSent.has(topic)) return;
    const top = this.books.topLevels(baseChannelOf(name), depth);
    if (top !== undefined) this.lastSent.set(topic, JSON.stringify(top));
  }

  /** After a record of the book `name` (a channel, or at a variant's tick, the variant) was published. */
  published(name: string): void {
    const channel = baseChannelOf(name);
    // On the plain channel, a record that changed nothing above `depth` leaves that top N as sent.
    const changedFrom = name === channel ? (this.books.live(channel)?.changedFrom ?? 0) : 0;
    for (const depth of BOOK_DEPTHS) {
      const form = depthForm(depth);
      if (!this.isHeld(form) || changedFrom >= depth) continue;
      const topic = formTopicOf(name, form);
      const subscribers = this.app.numSubscribers(topic);
      if (subscribers === 0) {
        this.lastSent.delete(topic);
        continue;
      }
      const top = this.books.topLevels(channel, depth);
      const levels = top === undefined ? undefined : JSON.stringify(top);
      if (levels === undefined || levels === this.lastSent.get(topic)) continue;
      this.lastSent.set(topic, levels);
      this.app.publish(topic, this.books.depthAs(channel, depth, name)!, false, false);
      this.onPublish(subscribers);
    }
  }
}
