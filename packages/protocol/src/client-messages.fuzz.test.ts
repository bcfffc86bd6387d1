import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidChannel } from './channel.js';
import { decodeClientMessage } from './client-messages.js';
import { ProtocolErrorCode } from './error-codes.js';

const KNOWN_CODES = new Set<string>(Object.values(ProtocolErrorCode));

/** The decoder's contract, for any input: no throw, and either a well-formed request or a documented error. */
function checkContract(text: string): void {
  const result = decodeClientMessage(text);
  if (result.ok) {
    const { request } = result;
    expect(['subscribe', 'unsubscribe', 'heartbeat', 'ping', 'reconnect']).toContain(request.type);
    if (request.type === 'subscribe' || request.type === 'unsubscribe') {
      expect(request.channels.length).toBeGreaterThan(0);
      expect(new Set(request.channels).size).toBe(request.channels.length);
      for (const channel of request.channels) expect(isValidChannel(channel)).toBe(true);
    }
    if (request.type === 'subscribe' && request.since !== undefined) {
      for (const [channel, { partition, offset }] of Object.entries(request.since)) {
        expect(request.channels).toContain(channel);
        expect(Number.isSafeInteger(partition) && partition >= 0 && Number.isSafeInteger(offset) && offset >= 0).toBe(true);
      }
    }
  } else {
    expect(KNOWN_CODES.has(result.error.code)).toBe(true);
    expect(result.error.message.length).toBeGreaterThan(0);
    if (result.error.value !== undefined) expect(result.error.value.length).toBeLessThanOrEqual(141);
  }
}

const channelLike = fc.oneof(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,20}$/), fc.string(), fc.anything());
const messageLike = fc.record(
  {
    type: fc.oneof(fc.constantFrom('subscribe', 'unsubscribe', 'heartbeat', 'ping', 'reconnect', 'teleport'), fc.anything()),
    id: fc.oneof(fc.string({ maxLength: 80 }), fc.integer(), fc.double(), fc.anything()),
    channels: fc.oneof(fc.array(channelLike, { maxLength: 8 }), fc.anything()),
    data: fc.oneof(fc.record({ channels: fc.array(channelLike, { maxLength: 8 }) }), fc.anything()),
    since: fc.oneof(
      fc.dictionary(
        channelLike.filter((value): value is string => typeof value === 'string'),
        fc.record({ partition: fc.anything(), offset: fc.oneof(fc.nat(), fc.anything()) }),
      ),
      fc.anything(),
    ),
  },
  { requiredKeys: [] },
);

describe('decodeClientMessage (property-based)', () => {
  it('keeps its contract for arbitrary text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), checkContract), { numRuns: 2000 });
  });

  it('keeps its contract for arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => checkContract(JSON.stringify(value))),
      { numRuns: 2000 },
    );
  });

  it('keeps its contract for message-shaped objects with hostile fields', () => {
    fc.assert(
      fc.property(messageLike, (message) => checkContract(JSON.stringify(message) ?? 'null')),
      { numRuns: 3000 },
    );
  });
});
