import { type BookDepth, DELTA_FORMATS, type DeltaFormat, parseRateVariant, type StreamPosition } from '@odin-ws/protocol';

/** What the client knows of a channel when it asks for it. */
export interface ChannelToAsk {
  channel: string;
  /** The last position it delivered, if any: the server resumes after it. */
  position: StreamPosition | undefined;
  /** The delta format asked for (and not given up after a failure). */
  delta: DeltaFormat | undefined;
  /** Compressed frames asked for (and not given up after a failure). */
  compress: boolean;
  /** A book's top-of-book depth asked for (client.book). */
  depth?: BookDepth | undefined;
}

export interface SubscribeRequestData {
  channels: string[];
  since?: Record<string, StreamPosition>;
  snapshot: true;
  delta?: DeltaFormat;
  compress?: 'deflate';
  depth?: BookDepth;
}

/**
 * The subscribe requests for some channels: one per choice of delta format, compression and book
 * depth (each is per request), each with the positions to resume from. A rate variant skips records
 * by design, so it never resumes: its snapshot is where it restarts. Every request asks for
 * snapshots, so a state channel's latest value arrives right after the ack instead of at its next
 * update (servers that predate snapshots ignore the field). `unresumable`: channels with no
 * position to resume from, which a caller resuming after a reconnect reports.
 */
export function subscribeRequests(channels: readonly ChannelToAsk[]): { requests: SubscribeRequestData[]; unresumable: string[] } {
  const requests: SubscribeRequestData[] = [];
  const unresumable: string[] = [];
  const groups = new Map<string, ChannelToAsk[]>();
  for (const asked of channels) {
    const key = `${asked.delta ?? ''}|${asked.compress}|${asked.depth ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), asked]);
  }
  // Plain first, then by delta format, compression, depth: the order servers have always seen.
  const rank = ({ delta, compress, depth }: ChannelToAsk) => [[undefined, ...DELTA_FORMATS].indexOf(delta), compress ? 1 : 0, depth ?? 0];
  const ordered = [...groups.values()].sort((a, b) => {
    const [x, y] = [rank(a[0]!), rank(b[0]!)];
    return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
  });
  for (const group of ordered) {
    const { delta, compress, depth } = group[0]!;
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
      ...(depth ? { depth } : {}),
    });
  }
  return { requests, unresumable };
}
