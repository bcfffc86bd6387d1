import { describe, expect, it } from 'vitest';
import { SubscribeOutbox } from './subscribe-outbox.js';

/** An outbox over a socket that records what it sends; `open` says whether there is one. */
function outboxWith(position: Record<string, { partition: number; offset: number }> = {}) {
  const sent: Array<{ type: string; id: string; data: { channels: string[]; since?: unknown } }> = [];
  const requested: string[] = [];
  const unresumable: string[] = [];
  const state = { open: true };
  const outbox = new SubscribeOutbox({
    openSocket: () => (state.open ? { send: (text: string) => sent.push(JSON.parse(text)) } : undefined),
    toAsk: (channel) => ({ channel, position: position[channel], delta: undefined, compress: false }),
    requested: (channel) => requested.push(channel),
    unresumable: (channel) => unresumable.push(channel),
  });
  return { outbox, sent, requested, unresumable, state };
}

const tick = () => new Promise<void>((resolve) => queueMicrotask(resolve));

describe('SubscribeOutbox', () => {
  it('sends the channels asked for in one tick as one request, and ties its answer to them once', async () => {
    const { outbox, sent, requested } = outboxWith();
    outbox.ask('A.trade');
    outbox.ask('B.trade');
    expect(sent).toHaveLength(0);
    await tick();
    expect(sent).toEqual([{ type: 'subscribe', id: 's1', data: expect.objectContaining({ channels: ['A.trade', 'B.trade'] }) }]);
    expect(requested).toEqual(['A.trade', 'B.trade']);
    expect(outbox.answered('s1')).toEqual(['A.trade', 'B.trade']);
    expect(outbox.answered('s1')).toBeUndefined();
    expect(outbox.answered(7)).toBeUndefined();
  });

  it('keeps what is asked while closed and sends it, with every channel, when a connection opens; resuming names channels without a position', async () => {
    const { outbox, sent, unresumable, state } = outboxWith({ 'A.trade': { partition: 0, offset: 41 } });
    state.open = false;
    outbox.ask('A.trade');
    await tick();
    expect(sent).toHaveLength(0);
    state.open = true;
    outbox.askForAll(['A.trade', 'B.trade'], true);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.data).toMatchObject({ channels: ['A.trade', 'B.trade'], since: { 'A.trade': { partition: 0, offset: 41 } } });
    expect(unresumable).toEqual(['B.trade']);
  });

  it('forgets a channel before it goes out, and drops answers it no longer waits for', async () => {
    const { outbox, sent } = outboxWith();
    outbox.ask('A.trade');
    outbox.ask('B.trade');
    outbox.forget('A.trade');
    await tick();
    expect(sent[0]!.data.channels).toEqual(['B.trade']);
    outbox.dropInFlight();
    expect(outbox.answered(sent[0]!.id)).toBeUndefined();
  });
});
