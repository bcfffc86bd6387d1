import { describe, expect, it } from 'vitest';
import { formatOptionDefault, OPTION_SPECS, type OptionSpec } from './options.js';
import { brokers, choice, integer, list, topicEventMap } from './parsers.js';

describe('option parsers', () => {
  it('parse good values', () => {
    expect(integer(1, 10)(' 7 ')).toBe(7);
    expect(list()('a, b,c')).toEqual(['a', 'b', 'c']);
    expect(brokers()('127.0.0.1:9092,kafka-1:19092')).toEqual(['127.0.0.1:9092', 'kafka-1:19092']);
    expect(choice(['a', 'b'] as const)('b')).toBe('b');
    expect(topicEventMap()('odin.trades=trade,odin.books=book')).toEqual({ 'odin.trades': 'trade', 'odin.books': 'book' });
  });

  it.each([
    ['integer text', () => integer(1, 10)('ten'), "got 'ten'"],
    ['integer fraction', () => integer(1, 10)('1.5'), "got '1.5'"],
    ['integer out of range', () => integer(1, 10)('11'), 'from 1 to 10'],
    ['empty list item', () => list()('a,,b'), 'no empty items'],
    ['broker without port', () => brokers()('localhost'), "got 'localhost'"],
    ['broker port out of range', () => brokers()('h:70000'), "got 'h:70000'"],
    ['unknown choice', () => choice(['a'] as const)('z'), 'one of a'],
    ['bad map pair', () => topicEventMap()('trades'), "got 'trades'"],
  ])('reject %s with a coded one-line error', (_label, run, fragment) => {
    expect(run).toThrowError(expect.objectContaining({ code: 'E_INVALID_OPTION_VALUE', message: expect.stringContaining(fragment) }));
  });

  it("heartbeat must be a multiple of uWS' 4-second tick", () => {
    const heartbeat = OPTION_SPECS.find((spec) => spec.key === 'heartbeatInterval')!;
    expect(heartbeat.parse('20')).toBe(20);
    expect(() => heartbeat.parse('10')).toThrow(/multiple of 4/);
    expect(() => heartbeat.parse('4')).toThrow(/from 8 to 960/);
  });

  it('every option has a unique flag, env variable and key', () => {
    for (const field of ['key', 'flag', 'env'] as const) {
      expect(new Set(OPTION_SPECS.map((spec) => spec[field])).size).toBe(OPTION_SPECS.length);
    }
    for (const spec of OPTION_SPECS) {
      expect(spec.env).toMatch(/^ODIN_[A-Z_]+$/);
      expect(spec.description.length).toBeGreaterThan(5);
    }
  });

  it('every default, written as --help and the docs show it, parses back to itself', () => {
    // Defaults shown as a label ("none", "derived") stand for "not set" and are never parsed.
    const written = OPTION_SPECS.filter((spec: OptionSpec) => !('defaultLabel' in spec) && spec.defaultValue !== '');
    expect(written.length).toBeGreaterThan(OPTION_SPECS.length / 2);
    for (const spec of written) expect(spec.parse(formatOptionDefault(spec)), spec.flag).toEqual(spec.defaultValue);
  });
});
