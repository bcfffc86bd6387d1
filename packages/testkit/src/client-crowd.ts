import { OdinClient, type RecoveryEvent, type WebSocketConstructor } from '@odin-ws/client';
import WebSocket from 'ws';
import { waitFor } from './wait.js';

/**
 * Source addresses the crowd's members spread over (127.0.0.2-17), as real clients come from many:
 * the load balancer holds each address to --max-connections-per-ip, and one address with thousands
 * of clients would be an abuser (or one huge office behind a NAT) to it.
 */
const SOURCE_ADDRESSES = 16;
const FROM_ADDRESS: WebSocketConstructor[] = Array.from({ length: SOURCE_ADDRESSES }, (_, i) => {
  const localAddress = `127.0.0.${2 + i}`;
  return class extends WebSocket {
    constructor(url: string, protocols?: string | string[], options: WebSocket.ClientOptions = {}) {
      super(url, protocols, { ...options, localAddress });
    }
  } as unknown as WebSocketConstructor;
});
const fromAddress = (index: number) => FROM_ADDRESS[index % SOURCE_ADDRESSES]!;

export interface CrowdReport {
  clients: number;
  /** Clients whose every channel has every record from its first one to the last produced, once, in order. */
  complete: number;
  /** Human-readable problems, at most a few per kind. */
  problems: string[];
  reconnects: number;
  duplicatesDropped: number;
  recoveries: { recovered: number; notRecovered: number };
  /**
   * Most connections opened in any one-second window after `since`. A second, not less: the opens
   * are timed in this (busy) process, whose event loop bunches them at finer scales.
   */
  peakOpensPerSecond: number;
}

interface Member {
  client: OdinClient;
  channels: string[];
  /** Per channel, the `n` values received, in order. */
  received: Map<string, number[]>;
  opens: number[];
  recoveries: RecoveryEvent[];
  /** [arrival ms, producer-to-arrival ms] per message. */
  latencies: Array<[number, number]>;
}

/**
 * Thousands of SDK clients in this process, each following a few channels and recording the record
 * numbers (see startSequenceFeed) it was handed. verify() says whether each got every record exactly
 * once and in order, which is what the fault tests assert across crashes, drains and restarts.
 */
export class ClientCrowd {
  private readonly members: Member[] = [];

  private constructor(private readonly url: string) {}

  /** Opens `count` clients in waves (so the admission queue is not the thing under test). */
  static async start(options: { url: string; count: number; channels: string[]; channelsPerClient: number; wave?: number }): Promise<ClientCrowd> {
    const crowd = new ClientCrowd(options.url);
    const wave = options.wave ?? 250;
    for (let i = 0; i < options.count; i++) {
      const channels = Array.from({ length: options.channelsPerClient }, (_, k) => options.channels[(i + k) % options.channels.length]!);
      crowd.add(channels);
      if ((i + 1) % wave === 0) await crowd.waitUntilSubscribed();
    }
    await crowd.waitUntilSubscribed();
    return crowd;
  }

  get size(): number {
    return this.members.length;
  }

  /** Resolves when every client is open and has received at least one record on each channel. */
  async waitUntilSubscribed(timeoutMs = 60_000): Promise<void> {
    await waitFor(
      'every client subscribed and receiving',
      () => this.members.every((member) => member.client.state === 'open' && member.channels.every((channel) => member.received.get(channel)!.length > 0)),
      timeoutMs,
      50,
    );
  }

  /** Resolves when every client has received the last record produced on each of its channels. */
  async waitForLast(produced: Map<string, number>, timeoutMs = 60_000): Promise<void> {
    const key = (channel: string) => channel.slice(0, channel.lastIndexOf('.'));
    await waitFor(
      'every client to receive the last record',
      () => this.members.every((member) => member.channels.every((channel) => member.received.get(channel)!.at(-1) === produced.get(key(channel))! - 1)),
      timeoutMs,
      100,
    );
  }

  /**
   * For every client that reconnected: the longest it went without a message (ms), the time its
   * streams stood still around the cut, whatever caused it.
   */
  outagesMs(): number[] {
    return this.members
      .filter((member) => member.client.stats().reconnects > 0)
      .map((member) => {
        const arrivals = member.latencies.map(([at]) => at).sort((a, b) => a - b);
        let longest = 0;
        for (let i = 1; i < arrivals.length; i++) longest = Math.max(longest, arrivals[i]! - arrivals[i - 1]!);
        return longest;
      });
  }

  /** Producer-to-client latency percentile (ms) over messages that arrived in [from, to). */
  latencyPercentile(percentile: number, from: number, to: number): number {
    const values: number[] = [];
    for (const member of this.members) for (const [at, ms] of member.latencies) if (at >= from && at < to) values.push(ms);
    values.sort((a, b) => a - b);
    return values[Math.min(values.length - 1, Math.floor((percentile / 100) * values.length))] ?? Number.NaN;
  }

  verify(produced: Map<string, number>, since = 0): CrowdReport {
    const problems: string[] = [];
    let complete = 0;
    let reconnects = 0;
    let duplicatesDropped = 0;
    let recovered = 0;
    let notRecovered = 0;
    const opens: number[] = [];
    for (const [index, member] of this.members.entries()) {
      let ok = true;
      for (const channel of member.channels) {
        const numbers = member.received.get(channel)!;
        const last = produced.get(channel.slice(0, channel.lastIndexOf('.')))! - 1;
        const broken = numbers.findIndex((n, i) => i > 0 && n !== numbers[i - 1]! + 1);
        if (broken !== -1 || numbers.at(-1) !== last) {
          ok = false;
          if (problems.length < 10) {
            problems.push(
              broken !== -1
                ? `client ${index} ${channel}: ${numbers[broken - 1]} then ${numbers[broken]}`
                : `client ${index} ${channel}: ends at ${numbers.at(-1)}, last produced ${last}`,
            );
          }
        }
      }
      for (const event of member.recoveries) {
        if (event.recovered) recovered++;
        else {
          notRecovered++;
          if (problems.length < 10) problems.push(`client ${index} ${event.channel}: not recovered (${event.reason})`);
        }
      }
      if (ok) complete++;
      const stats = member.client.stats();
      reconnects += stats.reconnects;
      duplicatesDropped += stats.duplicatesDropped;
      opens.push(...member.opens.filter((at) => at >= since));
    }
    return {
      clients: this.members.length,
      complete,
      problems,
      reconnects,
      duplicatesDropped,
      recoveries: { recovered, notRecovered },
      peakOpensPerSecond: peakRate(opens, 1000),
    };
  }

  close(): void {
    for (const member of this.members) member.client.close();
  }

  private add(channels: string[]): void {
    const client = new OdinClient({ url: this.url, WebSocket: fromAddress(this.members.length) });
    const member: Member = { client, channels, received: new Map(channels.map((channel) => [channel, []])), opens: [], recoveries: [], latencies: [] };
    client.on('state', (state) => {
      if (state === 'open') member.opens.push(Date.now());
    });
    client.on('recovery', (event) => member.recoveries.push(event));
    for (const channel of channels) {
      client.subscribe<{ data: { n: number } }>(channel, (message) => {
        const now = Date.now();
        member.received.get(channel)!.push(message.data.data.n);
        member.latencies.push([now, now - message.ts]);
      });
    }
    client.connect();
    this.members.push(member);
  }
}

/** Most events in any window of `windowMs`, scaled to a per-second rate. */
function peakRate(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  for (let start = 0, end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    peak = Math.max(peak, end - start + 1);
  }
  return Math.round((peak * 1000) / windowMs);
}
