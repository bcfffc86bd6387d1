import type { ChannelRecovery, StreamPosition } from '@odin-ws/protocol';
import type { RecoveryResult } from './channel-history.js';

export interface ReplayPlan {
  /** The `recovery` field of the subscription ack. */
  recovery: Record<string, ChannelRecovery>;
  /** Envelopes to send after the ack, channel by channel, each in offset order. */
  frames: string[];
  bytes: number;
}

/**
 * What a subscribe with positions (`since`) replays. Only channels this request newly subscribed
 * replay: a channel the connection already held is streaming live, so nothing on it was missed here.
 * The whole replay of one request is capped at `maxBytes`, so a client cannot make the shard copy
 * its entire history into one socket with a handful of requests.
 */
export function planReplay(
  /** ChannelHistory.recover: the records of a channel after a position, or why there are none. */
  recover: (channel: string, position: StreamPosition, now: number) => RecoveryResult,
  since: Record<string, StreamPosition>,
  newlySubscribed: readonly string[],
  maxBytes: number,
  now: number,
): ReplayPlan {
  const plan: ReplayPlan = { recovery: {}, frames: [], bytes: 0 };
  for (const [channel, position] of Object.entries(since)) {
    if (!newlySubscribed.includes(channel)) {
      plan.recovery[channel] = { recovered: true, replayed: 0 };
      continue;
    }
    const result = recover(channel, position, now);
    if (!result.recovered) {
      plan.recovery[channel] = { recovered: false, reason: result.reason };
      continue;
    }
    let bytes = 0;
    for (const frame of result.frames) bytes += frame.length;
    if (plan.bytes + bytes > maxBytes) {
      plan.recovery[channel] = { recovered: false, reason: 'REPLAY_TOO_LARGE' };
      continue;
    }
    for (const frame of result.frames) plan.frames.push(frame);
    plan.bytes += bytes;
    plan.recovery[channel] = { recovered: true, replayed: result.frames.length };
  }
  return plan;
}
