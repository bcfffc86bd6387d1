import { describe, expect, it } from 'vitest';
import { createClientAddressResolver } from './client-address.js';

describe('client address for per-IP admission', () => {
  const behindGoogle = createClientAddressResolver(['35.191.0.0/16', '130.211.0.0/22', '34.120.0.5']);

  it('is the TCP peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(createClientAddressResolver([])('10.0.0.7', '1.2.3.4')).toBe('10.0.0.7');
    expect(behindGoogle('10.0.0.7', '1.2.3.4')).toBe('10.0.0.7');
  });

  it('is the rightmost untrusted X-Forwarded-For entry behind a trusted proxy', () => {
    // Google appends "<client>, <load balancer address>" to whatever the client sent.
    expect(behindGoogle('35.191.4.9', '203.0.113.8, 34.120.0.5')).toBe('203.0.113.8');
    expect(behindGoogle('::ffff:35.191.4.9', 'spoofed-by-client, 198.51.100.1, 203.0.113.8, 34.120.0.5')).toBe('203.0.113.8');
    expect(behindGoogle('35.191.4.9', ['198.51.100.1', '203.0.113.8'])).toBe('203.0.113.8');
  });

  it('falls back to the peer on a missing or malformed header', () => {
    expect(behindGoogle('35.191.4.9', undefined)).toBe('35.191.4.9');
    expect(behindGoogle('35.191.4.9', 'not-an-ip')).toBe('35.191.4.9');
    expect(behindGoogle('35.191.4.9', '34.120.0.5')).toBe('35.191.4.9');
  });
});
