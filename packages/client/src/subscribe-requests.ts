import { DELTA_FORMATS, type DeltaFormat, parseRateVariant, type StreamPosition } from '@odin-ws/protocol';

/** What the client knows of a channel when it asks for it. */
export interface ChannelToAsk {
  channel: string;
  /** The last position it delivered, if any: the server resumes after it. */
  position: StreamPosition | undefined;
  /** The delta format asked for (and not given up after a failure). */
  delta: DeltaFormat | undefined;
  /** Compressed frames asked for (and not given up after a failure). */
  compress: boolean;
}

export interface SubscribeRequestData {
  channels: string[];
  since?: Record<string, StreamPosition>;
  snapshot: true;
  delta?: DeltaFormat;
  compress?: 'deflate';
}

/**
 * The subscribe requests for some channels: one per choice of delta format and compression (both
 * are per request), each with the positions to resume from. A rate variant skips records
 * by design, so it never resumes: its snapshot is where it restarts. Every request asks for
 * snapshots, so a state channel's latest value arrives right after the ack instead of at its next
 * update (servers that predate snapshots ignore the field). `unresumable`: channels with no
 * position to resume from, which a caller resuming after a reconnect reports.
 */
export function subscribeRequests(channels: readonly ChannelToAsk[]): { requests: SubscribeRequestData[]; unresumable: string[] } {
  const requests: SubscribeRequestData[] = [];
  const unresumable: string[] = [];
  for (const [delta, compress] of [undefined, ...DELTA_FORMATS].flatMap((format) => [false, true].map((flag) => [format, flag] as const))) {
    const group = channels.filter((asked) => asked.delta === delta && asked.compress === compress);
    if (group.length === 0) continue;
    const since: Record<string, StreamPosition> = {};
    for (const { channel, position } of group) {
      if (parseRateVariant(channel)) continue;
      if (position) since[channel] = position;
      else unresumable.push(channel);
    }
    requests.push({
      channels: group.map(({ channel }) => channel),
      ...(Object.keys(since).length > 0 ? { since } : {}),
      snapshot: true,
      ...(delta ? { delta } : {}),
      ...(compress ? { compress: 'deflate' as const } : {}),
    });
  }
  return { requests, unresumable };
}
