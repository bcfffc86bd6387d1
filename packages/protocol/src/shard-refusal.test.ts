import { describe, expect, it } from 'vitest';
import { RetryHints } from './retry-hints.js';
import { readShardRefusal, SHARD_REFUSAL_HEADER, ShardRefusalCode, shardRefusalAnswer } from './shard-refusal.js';

/** The response head as the load balancer receives it: status line and headers, CRLF-separated. */
function headOf(answer: ReturnType<typeof shardRefusalAnswer>): string {
  return [`HTTP/1.1 ${answer.status}`, ...Object.entries(answer.headers).map(([name, value]) => `${name}: ${value}`)].join('\r\n');
}

describe('shard refusals', () => {
  it.each(Object.values(ShardRefusalCode))('%s written by a shard is read back by the load balancer', (code) => {
    const answer = shardRefusalAnswer(code);
    expect(answer.status).toBe('503 Service Unavailable');
    expect(answer.body.error).toBe(code);
    expect(answer.headers['Retry-After']).toBe(String(answer.body.retryAfterS));
    expect(readShardRefusal(headOf(answer))).toBe(code);
  });

  it('asks a full shard to be retried later than a draining one, from the retry table', () => {
    expect(shardRefusalAnswer('AT_CAPACITY').body.retryAfterS).toBe(RetryHints.shardAtCapacityS);
    expect(shardRefusalAnswer('DRAINING').body.retryAfterS).toBe(RetryHints.shardDrainingS);
  });

  it('reads the header case-insensitively, wherever it stands among the headers', () => {
    expect(readShardRefusal('HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nx-odin-refusal: DRAINING\r\nRetry-After: 1')).toBe(
      'DRAINING',
    );
  });

  it.each([
    ['no header at all', 'HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1'],
    ['an unknown code', `HTTP/1.1 503 Service Unavailable\r\n${SHARD_REFUSAL_HEADER}: ON_FIRE`],
    ['the code only in a body-like line', 'HTTP/1.1 503 Service Unavailable\r\n\r\n{"error":"DRAINING"}'],
    ['the code inside another header', 'HTTP/1.1 503 Service Unavailable\r\nX-Note: X-Odin-Refusal: DRAINING'],
  ])('finds no refusal in %s', (_label, head) => {
    expect(readShardRefusal(head)).toBeUndefined();
  });
});
