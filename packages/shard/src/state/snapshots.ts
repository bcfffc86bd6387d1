export interface SnapshotPlan {
  /** The `snapshots` field of the subscription ack: channels whose latest envelope follows it. */
  channels: string[];
  frames: string[];
  bytes: number;
}

/**
 * What a subscribe with `snapshot: true` sends after its ack: the latest envelope of each channel
 * among `candidates` (state channels: the subscribe plan picks them) that this shard holds one for
 * (`snapshotOf`: LastValues.snapshotOf), within `maxBytes` (what is left of the
 * request's replay allowance: a snapshot of a deep book can be large, and a hundred of them must
 * not flood a socket). A channel past the allowance is left out of `channels` and streams live.
 */
export function planSnapshots(snapshotOf: (channel: string) => string | undefined, candidates: readonly string[], maxBytes: number): SnapshotPlan {
  const plan: SnapshotPlan = { channels: [], frames: [], bytes: 0 };
  for (const channel of candidates) {
    const frame = snapshotOf(channel);
    if (frame === undefined || plan.bytes + frame.length > maxBytes) continue;
    plan.channels.push(channel);
    plan.frames.push(frame);
    plan.bytes += frame.length;
  }
  return plan;
}
