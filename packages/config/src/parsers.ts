import { isIP } from 'node:net';
import { OdinError } from '@odin-ws/errors';

/**
 * Value parsers for flags and environment variables. Each throws an OdinError whose message
 * is one line saying what was expected; the CLI prints it beside the flag's name.
 */
export type Parser<T> = (raw: string) => T;

export function integer(min: number, max: number): Parser<number> {
  return (raw) => {
    const value = raw.trim();
    if (!/^-?\d+$/.test(value)) throw invalid(`expected a whole number from ${min} to ${max}`, raw);
    const parsed = Number(value);
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw invalid(`expected a whole number from ${min} to ${max}`, raw);
    }
    return parsed;
  };
}

export function text(): Parser<string> {
  return (raw) => {
    const value = raw.trim();
    if (value === '') throw invalid('expected a non-empty value', raw);
    return value;
  };
}

export function list(): Parser<string[]> {
  return (raw) => {
    const items = raw.split(',').map((item) => item.trim());
    if (items.length === 0 || items.some((item) => item === '')) {
      throw invalid('expected a comma-separated list with no empty items', raw);
    }
    return items;
  };
}

/** A comma-separated list that may also be empty (`''`: none, to turn a default list off). */
export function listOrNone(): Parser<string[]> {
  const parseList = list();
  return (raw) => (raw.trim() === '' ? [] : parseList(raw));
}

/** A comma-separated list of some of `values`, each once; empty (`''`) for none. */
export function subsetOf<T extends string>(values: readonly T[]): Parser<T[]> {
  const parseList = listOrNone();
  return (raw) => {
    const items = parseList(raw);
    for (const item of items) if (!values.includes(item as T)) throw invalid(`expected a comma-separated list of ${values.join(', ')} (or '' for none)`, item);
    return [...new Set(items)] as T[];
  };
}

/** host:port pairs, comma-separated. */
export function brokers(): Parser<string[]> {
  const parseList = list();
  return (raw) => {
    const items = parseList(raw);
    for (const item of items) {
      const match = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):(\d{1,5})$/.exec(item);
      if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) throw invalid('expected host:port[,host:port...]', item);
    }
    return items;
  };
}

export function choice<T extends string>(values: readonly T[]): Parser<T> {
  return (raw) => {
    const value = raw.trim() as T;
    if (!values.includes(value)) throw invalid(`expected one of ${values.join(', ')}`, raw);
    return value;
  };
}

/** A switch: on/off, true/false, yes/no, 1/0 (a bare flag means on, see OptionSpec.preset). */
export function onOff(): Parser<boolean> {
  return (raw) => {
    const value = raw.trim().toLowerCase();
    if (['on', 'true', 'yes', '1'].includes(value)) return true;
    if (['off', 'false', 'no', '0'].includes(value)) return false;
    throw invalid('expected on or off', raw);
  };
}

/** `topic=event,topic=event`: how a topic names the event part of a channel. */
export function topicEventMap(): Parser<Record<string, string>> {
  const parseList = list();
  return (raw) => {
    const map: Record<string, string> = {};
    for (const pair of parseList(raw)) {
      const match = /^([A-Za-z0-9._-]+)=([A-Za-z0-9_:-]+)$/.exec(pair);
      if (!match) throw invalid('expected topic=event[,topic=event...]', pair);
      map[match[1]!] = match[2]!;
    }
    return map;
  };
}

function invalid(expectation: string, value: string): OdinError {
  return new OdinError('E_INVALID_OPTION_VALUE', `${expectation}, got '${value}'`, { value });
}

/** WebSocket URLs of shards, comma-separated: ws://host:port/path. */
export function shardUrls(): Parser<string[]> {
  const parseList = list();
  return (raw) => {
    const urls = parseList(raw);
    for (const url of urls) {
      if (!/^wss?:\/\/[A-Za-z0-9.-]+:\d{1,5}(\/[^\s]*)?$/.test(url) || !isDialable(url)) throw invalid('expected ws://host:port/path[,...]', url);
    }
    return urls;
  };
}

/** Browser origins, comma-separated: scheme://host[:port], as browsers send them in the Origin header. */
export function origins(): Parser<string[]> {
  const parseList = list();
  return (raw) => {
    const entries = parseList(raw);
    for (const entry of entries) {
      if (!/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(entry)) throw invalid('expected origins like https://app.example.com[,...]', entry);
    }
    return entries.map((entry) => entry.toLowerCase());
  };
}

/**
 * What the load balancer will do with the URL must work: the pattern alone lets through
 * ws://10.0.0.300:3002/ws (an IPv4 octet over 255) or a port over 65535, which URL parsing refuses,
 * and which, found later, would throw where nothing catches it.
 */
function isDialable(url: string): boolean {
  try {
    const port = Number(new URL(url).port);
    return port >= 1 && port <= 65535;
  } catch {
    return false;
  }
}

/** IP addresses or CIDR ranges, comma-separated (IPv4 or IPv6). */
export function cidrList(): Parser<string[]> {
  const parseList = list();
  return (raw) => {
    const entries = parseList(raw);
    for (const entry of entries) {
      const [address, prefix] = entry.split('/');
      const family = isIP(address ?? '');
      const maxPrefix = family === 6 ? 128 : 32;
      if (family === 0 || (prefix !== undefined && !(/^\d+$/.test(prefix) && Number(prefix) <= maxPrefix)))
        throw invalid('expected IP addresses or CIDR ranges, e.g. 35.191.0.0/16', entry);
    }
    return entries;
  };
}

/** Seconds, a multiple of uWS' 4-second timeout tick. */
export function heartbeatSeconds(): Parser<number> {
  const parseInteger = integer(8, 960);
  return (raw) => {
    const value = parseInteger(raw);
    // uWS checks timeouts on a 4-second tick; other values would be silently rounded.
    if (value % 4 !== 0) throw new OdinError('E_INVALID_OPTION_VALUE', `expected a multiple of 4 seconds, got '${raw}'`, { value: raw });
    return value;
  };
}

/** Two non-negative weights `u,f` with a positive sum. */
export function weights(): Parser<number[]> {
  return (raw) => {
    const parts = raw.split(',').map((part) => Number(part.trim()));
    if (parts.length !== 2 || parts.some((part) => !Number.isFinite(part) || part < 0) || parts[0]! + parts[1]! <= 0) {
      throw new OdinError('E_INVALID_OPTION_VALUE', `expected two non-negative weights u,f (e.g. 0.6,0.4), got '${raw}'`, { value: raw });
    }
    return parts;
  };
}
