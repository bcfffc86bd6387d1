import { isValidChannel, MAX_CHANNEL_LENGTH } from '@odin-ws/protocol';

/**
 * How a Kafka record is routed: channel = `<record key>.<event>`, the event taken from the topic
 * (`odin.trades` -> `BTC.trade`), as the seed system did. Topics missing from the map use the last
 * dot-segment of their name (`odin.liquidity` -> `liquidity`).
 */
export class ChannelMapper {
  private readonly eventByTopic = new Map<string, string>();

  /** `topics`: the topics consumed, so a channel can be traced back to the one it comes from. */
  constructor(
    channelMap: Record<string, string>,
    private readonly topics: readonly string[] = [],
  ) {
    for (const [topic, event] of Object.entries(channelMap)) this.eventByTopic.set(topic, event);
  }

  /** The consumed topic whose records make this channel; undefined when none does or several could. */
  topicOf(channel: string): string | undefined {
    const candidates = this.topics.filter((topic) => channel.endsWith(`.${this.eventFor(topic)}`));
    return candidates.length === 1 ? candidates[0] : undefined;
  }

  eventFor(topic: string): string {
    let event = this.eventByTopic.get(topic);
    if (event === undefined) {
      event = topic.slice(topic.lastIndexOf('.') + 1);
      this.eventByTopic.set(topic, event);
    }
    return event;
  }

  /** The channel for a record key, or why the key cannot name one. */
  channelFor(topic: string, key: Buffer | null): { ok: true; channel: string } | { ok: false; reason: 'missing_key' | 'invalid_key' } {
    if (key === null || key.length === 0) return { ok: false, reason: 'missing_key' };
    // Length check first: a hostile megabyte key must not be decoded or matched.
    if (key.length > MAX_CHANNEL_LENGTH) return { ok: false, reason: 'invalid_key' };
    const channel = `${key.toString('latin1')}.${this.eventFor(topic)}`;
    return isValidChannel(channel) ? { ok: true, channel } : { ok: false, reason: 'invalid_key' };
  }
}
