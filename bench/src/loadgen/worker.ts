import { setTimeout as sleep } from 'node:timers/promises';
import { LatencyRecorder } from '../latency.js';
import { DeliveryCpu } from './delivery-cpu.js';
import type { CoordinatorCommand, StartCommand, WorkerReport } from './messages.js';
import { envelopeTimestamp, RawClient } from './raw-client.js';

/**
 * One load-generator process: opens its share of connections, subscribes each to the channel and
 * records, per data envelope, receive time minus the producer timestamp inside it (same clock on
 * one machine). Kept lean so it is not the bottleneck: its client is raw-client.ts, which reads the
 * `ts` in place, with no JSON parse, string or event per message.
 */
const sockets: RawClient[] = [];
/** A client neither acknowledged nor refused by then counts as failed (a proxy at its connection cap only queues). */
const HANDSHAKE_DEADLINE_MS = 30_000;
const latency = new LatencyRecorder();
let received = 0;
let closedEarly = 0;
let collecting = true;
const deliveryCpu = new DeliveryCpu(() => received);

const send = (report: WorkerReport) => process.send?.(report);

process.on('message', (command: CoordinatorCommand) => {
  if (command.type === 'start') void start(command);
  if (command.type === 'collect') {
    collecting = false;
    const usage = process.cpuUsage();
    const delivery = deliveryCpu.result();
    send({
      type: 'result',
      received,
      latency: latency.summary(),
      closedEarly,
      stillOpen: sockets.length - closedEarly,
      cpuSeconds: (usage.user + usage.system) / 1e6,
      rssBytes: process.memoryUsage().rss,
      deliveryCpuSeconds: delivery.cpuSeconds,
      deliverySeconds: delivery.seconds,
    });
  }
  if (command.type === 'stop') {
    for (const socket of sockets) socket.terminate();
    process.exit(0);
  }
});

async function start(command: StartCommand): Promise<void> {
  const handshake = new LatencyRecorder();
  const errors: Record<string, number> = {};
  let failed = 0;
  let next = 0;
  const subscription = () => {
    const pool = [...command.channels];
    const picked: string[] = [];
    while (picked.length < Math.min(command.perClient, command.channels.length)) picked.push(pool.splice(Math.floor(Math.random() * pool.length), 1)[0]!);
    return JSON.stringify({ type: 'subscribe', data: { channels: picked } });
  };
  const openOne = (index: number) =>
    new Promise<void>((resolve) => {
      const startedAt = performance.now();
      let acked = false;
      let timedOut = false;
      const deadline = setTimeout(() => {
        timedOut = true;
        socket.terminate();
      }, HANDSHAKE_DEADLINE_MS);
      let settled = false;
      // A refused connection reports an error and then its close: counted once, by the first.
      const fail = (key: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        failed++;
        errors[key] = (errors[key] ?? 0) + 1;
        resolve();
      };
      const socket: RawClient = new RawClient(command.urls[index % command.urls.length]!, command.localAddresses[index % command.localAddresses.length], {
        onOpen: () => socket.send(subscription()),
        onText: (buffer, start, end) => {
          if (!acked) {
            acked = true; // the subscription ack comes first
            settled = true;
            clearTimeout(deadline);
            handshake.recordMs(performance.now() - startedAt);
            sockets.push(socket);
            resolve();
            return;
          }
          if (!collecting) return;
          const ts = envelopeTimestamp(buffer, start, end);
          if (ts === undefined) return;
          received++;
          latency.recordMs(Date.now() - ts);
        },
        onClose: (code) => {
          if (!acked) fail(timedOut ? 'handshake_timeout' : `close_${code}`);
          else if (collecting) closedEarly++;
        },
        onError: (error) => {
          if (acked || timedOut) return;
          fail(error.code ?? error.message.slice(0, 40));
        },
      });
    });
  const lane = async () => {
    while (next < command.connections) await openOne(next++);
  };
  // Paced: every tick, start the handshakes the rate owes by now, however long earlier ones take.
  const paced = async (rate: number) => {
    const startedAt = performance.now();
    const pending: Array<Promise<void>> = [];
    while (next < command.connections) {
      const owed = Math.min(command.connections, Math.floor(((performance.now() - startedAt) / 1000) * rate) + 1);
      while (next < owed) pending.push(openOne(next++));
      await sleep(5);
    }
    await Promise.all(pending);
  };
  const progress = setInterval(() => send({ type: 'progress', open: sockets.length, failed, received }), 500);
  if (command.ratePerSecond) await paced(command.ratePerSecond);
  else await Promise.all(Array.from({ length: Math.min(command.concurrency, command.connections) }, lane));
  clearInterval(progress);
  send({ type: 'ready', open: sockets.length, failed, errors, handshake: handshake.summary() });
  setInterval(() => send({ type: 'progress', open: sockets.length, failed, received }), 500).unref();
}
