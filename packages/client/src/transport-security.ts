import type { OdinClientOptions } from './client-types.js';
import { clientError } from './errors.js';

/** Refuses, at construction, options that would send a token where it can be read on the way (E_INSECURE_TRANSPORT). */
export function checkTransport(options: Pick<OdinClientOptions, 'url' | 'getToken' | 'headers' | 'allowInsecureTransport'>): void {
  const sendsCredentials = options.getToken !== undefined || Object.keys(options.headers ?? {}).some((name) => name.toLowerCase() === 'authorization');
  if (!sendsCredentials || options.allowInsecureTransport || !exposesCredentials(options.url)) return;
  throw clientError('E_INSECURE_TRANSPORT', 'a token over ws:// to another machine can be read on the way: use wss://, or allowInsecureTransport: true', {
    value: options.url,
  });
}

/**
 * Whether credentials sent to `url` could be read on the way: a ws:// (plain TCP) URL whose host is
 * not this machine. wss:// is TLS; loopback never leaves the machine (a local fleet, tests).
 * An unparsable URL is the WebSocket's to refuse, not this check's.
 */
export function exposesCredentials(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === 'ws:' && !isLoopback(parsed.hostname);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '[::1]';
}
