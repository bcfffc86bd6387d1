import { parseRateVariant, rateVariantName } from '@odin-ws/protocol';
import type { TemplatedApp } from '../platform/index.js';
import type { LastValues } from '../state/index.js';
import type { BookDepthPublisher } from './book-depths.js';

/**
 * Rate variants of state channels (`BTC.book@1000ms`): at most one envelope per interval, always
 * the channel's latest, only when it changed since the interval's last tick.
 *
 * Computed once per channel and interval, never per subscriber: each variant is a uWS topic, and
 * one timer per interval publishes the latest value of every channel updated since its last tick
 * to that channel's variant topic, if anyone here subscribes to it. A timer starts with the first
 * subscription to its interval and runs until close(): five timers at most, each tick touching only
 * the channels that changed.
 */
export class Conflator {
  /** Per running interval, the state channels updated since its last tick. */
  private readonly changed = new Map<number, Set<string>>();
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly app: Pick<TemplatedApp, 'numSubscribers' | 'publish'>,
    private readonly lastValues: LastValues,
    /** Envelopes published to variant topics, and the frames they made. */
    private readonly onPublish: (subscribers: number) => void = () => undefined,
    /** permessage-deflate on: published compressed to subscribers that negotiated it. */
    private readonly permessageDeflate = false,
    /** Books' top-N depths of the variants (book-depths.ts): told of each variant's tick. */
    private readonly depths?: Pick<BookDepthPublisher, 'published'>,
  ) {}

  /** A state channel has a new latest value (the broadcaster recorded it). */
  updated(channel: string): void {
    for (const channels of this.changed.values()) channels.add(channel);
  }

  /** A rate variant was subscribed: its interval's timer runs from now on. */
  subscribed(variant: string): void {
    const intervalMs = parseRateVariant(variant)?.intervalMs;
    if (intervalMs === undefined || this.changed.has(intervalMs)) return;
    this.changed.set(intervalMs, new Set());
    const timer = setInterval(() => this.tick(intervalMs), intervalMs);
    timer.unref();
    this.timers.push(timer);
  }

  /** Publishes the latest value of each channel that changed since the last tick to its variant topic. */
  tick(intervalMs: number): void {
    const channels = this.changed.get(intervalMs);
    if (!channels || channels.size === 0) return;
    for (const channel of channels) {
      const variant = rateVariantName(channel, intervalMs);
      this.depths?.published(variant);
      const subscribers = this.app.numSubscribers(variant);
      if (subscribers === 0) {
        this.lastValues.forgetVariant(variant);
        continue;
      }
      const frame = this.lastValues.variantMessage(variant);
      if (frame === undefined) continue; // forgotten under --state-max-bytes since
      this.app.publish(variant, frame, false, this.permessageDeflate);
      this.onPublish(subscribers);
    }
    channels.clear();
  }

  close(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.length = 0;
    this.changed.clear();
  }
}
