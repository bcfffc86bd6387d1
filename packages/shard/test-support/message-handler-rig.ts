import { ChannelGrants, type TokenVerifier } from '@odin-ws/auth';
import { Registry } from 'prom-client';
import { Conflator, offeredForms } from '../src/delivery/index.js';
import { ClientMessageHandler } from '../src/session/client-message-handler.js';
import { type ClientSocket, type ClientState, newClientState } from '../src/session/client-state.js';
import { ConnectionSet } from '../src/session/connections.js';
import { SlowClientGuard } from '../src/session/slow-clients.js';
import { SubjectReplayBudgets } from '../src/session/subject-replay-budgets.js';
import { SubscriptionIndex } from '../src/session/subscriptions.js';
import { createShardMetrics, type ShardStateSnapshot } from '../src/shard-metrics.js';
import { AheadPositions, ChannelHistory, LastValues, OrderBooks, StateChannels } from '../src/state/index.js';

// ClientMessageHandler's unit tests: the handler with its real collaborators (index, history, guards, metrics); only the uWS socket
// is a fake, recording what was sent and which topics it joined.

export const TOPIC = 'odin.trades';
export const RATE = 10;

/** The part of a uWS socket the handler uses. */
class FakeSocket {
  readonly state: ClientState = newClientState(RATE * 2, Date.now());
  readonly sent: unknown[] = [];
  readonly topics = new Set<string>();
  ended: { code: number; reason: string } | undefined;
  getUserData = () => this.state;
  send = (message: string) => {
    this.sent.push(message.startsWith('{') ? JSON.parse(message) : message);
    return 1;
  };
  end = (code: number, reason: string) => {
    this.ended = { code, reason };
  };
  cork = (fn: () => void) => fn();
  getBufferedAmount = () => 0;
  subscribe = (topic: string) => this.topics.add(topic);
  unsubscribe = (topic: string) => this.topics.delete(topic);
  get asClient(): ClientSocket {
    return this as unknown as ClientSocket;
  }
}

/** `maxReplayBytes`: also what snapshots may take after one ack. Channels ending in `.trade` are state channels here. */
export function handlerRig(
  options: {
    maxChannels?: number;
    verifier?: TokenVerifier;
    maxReplayBytes?: number;
    maxMessageSize?: number;
    deliveryForms?: string[];
    subjectReplayBudgets?: SubjectReplayBudgets;
  } = {},
) {
  const subscriptions = new SubscriptionIndex();
  const history = new ChannelHistory(
    { maxPerChannel: 10, maxAgeMs: 60_000, maxBytes: 1 << 20, maxReplayBytes: 1 << 20 },
    { coveredFrom: () => 100, endOf: () => 1000, topicOf: (channel) => (channel.endsWith('.trade') ? TOPIC : undefined) },
  );
  const lastValues = new LastValues(1 << 20);
  // The variant topics' publishes, as the uWS app would take them.
  const variantPublishes: Array<{ topic: string; frame: string }> = [];
  const conflator = new Conflator(
    {
      numSubscribers: () => 1,
      publish: (topic: string, frame: string) => {
        variantPublishes.push({ topic, frame });
        return true;
      },
    } as unknown as ConstructorParameters<typeof Conflator>[0],
    lastValues,
  );
  const handler = new ClientMessageHandler({
    subscriptions,
    maxSubscriptions: options.maxChannels ?? 5,
    stateChannels: new StateChannels(['trade']),
    offeredForms: offeredForms(options.deliveryForms ?? ['fossil', 'deflate', 'compress']),
    subjectReplayBudgets: options.subjectReplayBudgets ?? new SubjectReplayBudgets(options.maxReplayBytes ?? 1 << 20),
    history,
    lastValues,
    books: new OrderBooks(100),
    conflator,
    slowClients: new SlowClientGuard(new ConnectionSet(), 1 << 20, () => {}),
    metrics: createShardMetrics(new Registry(), () => ({}) as ShardStateSnapshot),
    clientRateLimit: RATE,
    maxMessageSize: options.maxMessageSize ?? 1024,
    permessageDeflate: false,
    maxReplayBytes: options.maxReplayBytes ?? 1 << 20,
    backpressureLimit: 1 << 20,
    verifier: options.verifier,
    isOpen: () => true,
    aheadPositions: new AheadPositions(200),
  });
  const ws = new FakeSocket();
  const send = (message: unknown) => handler.onMessage(ws.asClient, new TextEncoder().encode(JSON.stringify(message)).buffer as ArrayBuffer, false);
  return { handler, history, lastValues, conflator, variantPublishes, subscriptions, ws, send };
}

export function withGrants(ws: FakeSocket, patterns: string[]): void {
  ws.state.grants = ChannelGrants.fromClaim(patterns);
}
