import { describe, expect, it } from 'vitest';
import { baseChannelOf, parseRateVariant } from './channel.js';
import { decodeClientMessage } from './client-messages.js';

function failureOf(text: string) {
  const result = decodeClientMessage(text);
  if (result.ok) throw new Error(`expected a failure for ${text}`);
  return result.error;
}

describe('decodeClientMessage', () => {
  it("reads the seed clients' subscribe shape with channels under data", () => {
    expect(decodeClientMessage('{"type":"subscribe","data":{"channels":["BTC.trade","ETH.trade"]}}')).toEqual({
      ok: true,
      request: { type: 'subscribe', channels: ['BTC.trade', 'ETH.trade'] },
    });
  });

  it('reads the older top-level channels shape and echoes an id', () => {
    expect(decodeClientMessage('{"type":"unsubscribe","channels":["token.BTC"],"id":7}')).toEqual({
      ok: true,
      request: { type: 'unsubscribe', channels: ['token.BTC'], id: 7 },
    });
  });

  it('takes rate variants of channels, at the intervals offered only', () => {
    const subscribe = (channel: string) => decodeClientMessage(JSON.stringify({ type: 'subscribe', data: { channels: [channel] } }));
    for (const channel of ['BTC.book@100ms', 'BTC.book@250ms', 'BTC.book@500ms', 'BTC.book@1000ms', 'BTC.book@5000ms', `${'a'.repeat(128)}@1000ms`]) {
      expect(subscribe(channel), channel).toMatchObject({ ok: true, request: { channels: [channel] } });
    }
    for (const channel of [
      'BTC.book@300ms',
      'BTC.book@1000',
      'BTC.book@1000ms@100ms',
      '@1000ms',
      'BTC.book@0100ms',
      `${'a'.repeat(129)}@1000ms`,
      'BTC.book@1e3ms',
    ]) {
      expect(subscribe(channel), channel).toMatchObject({ ok: false, error: { code: 'INVALID_CHANNEL' } });
    }
    expect(parseRateVariant('SOL.book@250ms')).toEqual({ base: 'SOL.book', intervalMs: 250 });
    expect(baseChannelOf('SOL.book@250ms')).toBe('SOL.book');
    expect(baseChannelOf('SOL.book')).toBe('SOL.book');
  });

  it('refuses a request naming more channels than the limit at once, before reading a name (TOO_MANY_CHANNELS)', () => {
    const names = (count: number) => JSON.stringify(Array.from({ length: count }, (_, i) => `C${i}.trade`));
    for (const type of ['subscribe', 'unsubscribe']) {
      const over = decodeClientMessage(`{"type":"${type}","id":7,"channels":${names(101)}}`, { maxChannels: 100 });
      expect(over).toMatchObject({ ok: false, error: { code: 'TOO_MANY_CHANNELS', id: 7, message: expect.stringContaining('at most 100') } });
      expect(decodeClientMessage(`{"type":"${type}","channels":${names(100)}}`, { maxChannels: 100 }).ok).toBe(true);
    }
    // Even names that are not valid are not looked at past the count.
    expect(decodeClientMessage(`{"type":"subscribe","channels":${JSON.stringify(Array(3).fill({}))}}`, { maxChannels: 2 })).toMatchObject({
      ok: false,
      error: { code: 'TOO_MANY_CHANNELS' },
    });
  });

  it('reads a top-of-book depth of 10, 25 or 100, and refuses any other', () => {
    const result = decodeClientMessage('{"type":"subscribe","data":{"channels":["BTC.book"],"depth":25}}');
    expect(result.ok && result.request.type === 'subscribe' && result.request.depth).toBe(25);
    for (const depth of [5, '10', 0, 1000]) {
      expect(decodeClientMessage(`{"type":"subscribe","data":{"channels":["BTC.book"],"depth":${JSON.stringify(depth)}}}`)).toMatchObject({
        ok: false,
        error: { code: 'BAD_MESSAGE', message: '"depth" must be one of 10, 25, 100' },
      });
    }
  });

  it('drops duplicate channels within one request', () => {
    const result = decodeClientMessage('{"type":"subscribe","channels":["A.trade","A.trade"]}');
    expect(result.ok && result.request.type === 'subscribe' && result.request.channels).toEqual(['A.trade']);
  });

  it('reads the last positions a resuming client saw, under data or at the top level', () => {
    const since = { 'BTC.trade': { partition: 3, offset: 1042 } };
    for (const text of [
      JSON.stringify({ type: 'subscribe', data: { channels: ['BTC.trade', 'ETH.trade'], since } }),
      JSON.stringify({ type: 'subscribe', channels: ['BTC.trade', 'ETH.trade'], since }),
    ]) {
      expect(decodeClientMessage(text)).toEqual({ ok: true, request: { type: 'subscribe', channels: ['BTC.trade', 'ETH.trade'], since } });
    }
  });

  it.each([
    ['since not an object', { since: [1, 2] }],
    ['a position for a channel not in the request', { since: { 'SOL.trade': { partition: 0, offset: 1 } } }],
    ['a position that is not an object', { since: { 'BTC.trade': 5 } }],
    ['a negative offset', { since: { 'BTC.trade': { partition: 0, offset: -1 } } }],
    ['a fractional partition', { since: { 'BTC.trade': { partition: 0.5, offset: 1 } } }],
    ['an offset beyond 2^53', { since: { 'BTC.trade': { partition: 0, offset: 2 ** 60 } } }],
    ['a string offset', { since: { 'BTC.trade': { partition: 0, offset: '12' } } }],
    ['a missing partition', { since: { 'BTC.trade': { offset: 12 } } }],
  ])('rejects %s with INVALID_POSITION', (_label, extra) => {
    const error = failureOf(JSON.stringify({ type: 'subscribe', id: 9, channels: ['BTC.trade'], ...extra }));
    expect(error).toMatchObject({ code: 'INVALID_POSITION', id: 9 });
  });

  it.each(['heartbeat', 'ping', 'reconnect'])('reads %s', (type) => {
    expect(decodeClientMessage(JSON.stringify({ type, id: 'r1' }))).toEqual({ ok: true, request: { type, id: 'r1' } });
  });

  it.each([
    ['truncated JSON', '{"type":"subscribe","channels":["BTC', 'BAD_JSON'],
    ['empty text', '', 'BAD_JSON'],
    ['plain text', 'hello', 'BAD_JSON'],
    ['a JSON array', '[1,2,3]', 'BAD_MESSAGE'],
    ['a JSON string', '"subscribe"', 'BAD_MESSAGE'],
    ['null', 'null', 'BAD_MESSAGE'],
    ['missing type', '{"channels":["A"]}', 'BAD_MESSAGE'],
    ['numeric type', '{"type":42}', 'BAD_MESSAGE'],
    ['channels not an array', '{"type":"subscribe","channels":"BTC.trade"}', 'BAD_MESSAGE'],
    ['empty channel list', '{"type":"subscribe","channels":[]}', 'BAD_MESSAGE'],
    ['no channels at all', '{"type":"subscribe"}', 'BAD_MESSAGE'],
    ['object id', '{"type":"ping","id":{"a":1}}', 'BAD_MESSAGE'],
    ['overlong id', JSON.stringify({ type: 'ping', id: 'x'.repeat(65) }), 'BAD_MESSAGE'],
    ['unknown type', '{"type":"teleport"}', 'UNKNOWN_TYPE'],
    ['a non-string channel', '{"type":"subscribe","channels":[42]}', 'INVALID_CHANNEL'],
    ['an empty channel', '{"type":"subscribe","channels":[""]}', 'INVALID_CHANNEL'],
    ['a channel with a space', '{"type":"subscribe","channels":["BTC trade"]}', 'INVALID_CHANNEL'],
    ['a channel with a quote', '{"type":"subscribe","channels":["BTC\\"x"]}', 'INVALID_CHANNEL'],
    ['a channel with unicode', '{"type":"subscribe","channels":["BTC.tr\u00e4de"]}', 'INVALID_CHANNEL'],
    ['an overlong channel', JSON.stringify({ type: 'subscribe', channels: ['A'.repeat(129)] }), 'INVALID_CHANNEL'],
    ['a wildcard channel', '{"type":"subscribe","channels":["*"]}', 'INVALID_CHANNEL'],
  ])('rejects %s with %s', (_label, text, code) => {
    expect(failureOf(text).code).toBe(code);
  });

  it('keeps the id of a request it rejects, and names the bad value, cut short', () => {
    const error = failureOf(JSON.stringify({ type: 'subscribe', id: 'abc', channels: ['ok', `${'x'.repeat(500)} `] }));
    expect(error).toMatchObject({ code: 'INVALID_CHANNEL', id: 'abc' });
    expect(error.value!.length).toBeLessThanOrEqual(141);
  });

  it('survives prototype-pollution shaped input without side effects', () => {
    const error = failureOf('{"__proto__":{"polluted":true},"type":"nope"}');
    expect(error.code).toBe('UNKNOWN_TYPE');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('rejects deeply nested JSON without throwing', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(['BAD_JSON', 'BAD_MESSAGE']).toContain(failureOf(deep).code);
  });
});
