import { BlockList, isIP } from 'node:net';

/**
 * Which address a handshake counts against for per-IP admission. Directly connected clients are
 * their TCP peer. Behind a proxy we trust (Google's front ends, say), every client would share the
 * proxy's few addresses, so the client is the rightmost X-Forwarded-For entry that is not itself a
 * trusted proxy: entries further left are whatever the client chose to send, and cannot be trusted.
 */
export function createClientAddressResolver(
  trustedProxies: readonly string[],
): (peer: string | undefined, forwardedFor: string | string[] | undefined) => string {
  if (trustedProxies.length === 0) return (peer) => peer ?? 'unknown';
  const trusted = new BlockList();
  for (const entry of trustedProxies) {
    const [address, prefix] = entry.split('/');
    const family = isIP(address!) === 6 ? 'ipv6' : 'ipv4';
    trusted.addSubnet(address!, prefix === undefined ? (family === 'ipv6' ? 128 : 32) : Number(prefix), family);
  }
  const isTrusted = (address: string) => {
    const family = isIP(address);
    return family !== 0 && trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
  return (peer, forwardedFor) => {
    const direct = normalize(peer ?? 'unknown');
    if (!isTrusted(direct) || forwardedFor === undefined) return direct;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',').map((hop) => normalize(hop.trim()));
    for (let i = hops.length - 1; i >= 0; i--) {
      if (isIP(hops[i]!) === 0) return direct; // a malformed entry: fall back to what we know
      if (!isTrusted(hops[i]!)) return hops[i]!;
    }
    return direct;
  };
}

/** IPv4 peers of a dual-stack socket arrive as ::ffff:a.b.c.d. */
function normalize(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
