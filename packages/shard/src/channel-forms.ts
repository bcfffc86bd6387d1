import type { DeltaFormat } from '@odin-ws/protocol';

/**
 * How a subscription takes a channel when not as plain envelopes: as deltas in a format (state
 * channels, `"delta"`), or `compressed`, each envelope a deflate frame (`"compress":"deflate"`).
 * Each form is a uWS topic of its own, so the shard builds it once per record for all who take it.
 */
export type ChannelForm = DeltaFormat | 'compressed';

/** The uWS topic of a channel in a form. `|` is no channel character, so no channel has it. */
export function formTopicOf(channel: string, form: ChannelForm): string {
  return `${channel}|${form}`;
}

/**
 * The form each channel of a subscribe asks for: deltas (`delta`) for state channels themselves,
 * not their rate variants, which already send one value per interval; deflate frames (`compress`)
 * for the request's other channels, rate variants again excepted (their conflator publishes plain).
 * `bases[i]` is `channels[i]` without its rate suffix.
 */
export function requestedForms(
  request: { channels: string[]; delta?: DeltaFormat; compress?: 'deflate' },
  bases: string[],
  isStateChannel: (channel: string) => boolean,
): Map<string, ChannelForm> {
  const forms = new Map<string, ChannelForm>();
  for (const [index, channel] of request.channels.entries()) {
    if (channel !== bases[index]) continue;
    if (request.delta && isStateChannel(channel)) forms.set(channel, request.delta);
    else if (request.compress) forms.set(channel, 'compressed');
  }
  return forms;
}
