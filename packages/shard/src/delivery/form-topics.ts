/**
 * The uWS topic a channel's subscribers in a form hold: `<channel>|<form>`. `|` is no channel
 * character (channel.ts in @odin-ws/protocol), so no channel's own topic has it.
 */
export function formTopicOf(channel: string, form: string): string {
  return `${channel}|${form}`;
}
