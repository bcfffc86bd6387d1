import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import type { CoordinatorCommand, StartCommand, WorkerReport } from './messages.js';

/**
 * One load-generator process: opens its share of connections, subscribes each to the channel and
 * records, per data envelope, receive time minus the producer timestamp inside it (same clock on
 * one machine). Kept lean so it is not the bottleneck: no JSON parse per message, only the `ts`.
 */
const sockets: WebSocket[] = [];
/** A client neither acknowledged nor refused by then counts as failed (a proxy at its connection cap only queues). */
const HANDSHAKE_DEADLINE_MS = 30_000;
const latenciesMs: number[] = [];
let received = 0;
let closedEarly = 0;
let collecting = true;

const send = (report: WorkerReport) => process.send?.(report);

process.on('message', (command: CoordinatorCommand) => {
  if (command.type === 'start') void start(command);
  if (command.type === 'collect') {
    collecting = false;
    const usage = process.cpuUsage();
    send({
      type: 'result',
      received,
      latenciesMs,
      closedEarly,
      stillOpen: sockets.length - closedEarly,
      cpuSeconds: (usage.user + usage.system) / 1e6,
      rssBytes: process.memoryUsage().rss,
    });
  }
  if (command.type === 'stop') {
    for (const socket of sockets) socket.terminate();
    process.exit(0);
  }
});

async function start(command: StartCommand): Promise<void> {
  const handshakeMs: number[] = [];
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
      const socket = new WebSocket(command.urls[index % command.urls.length]!, {
        perMessageDeflate: false,
        localAddress: command.localAddresses[index % command.localAddresses.length],
      });
      let acked = false;
      let timedOut = false;
      const deadline = setTimeout(() => {
        timedOut = true;
        socket.terminate();
      }, HANDSHAKE_DEADLINE_MS);
      socket.on('message', (data: Buffer) => {
        if (!acked) {
          acked = true; // the subscription ack comes first
          clearTimeout(deadline);
          handshakeMs.push(performance.now() - startedAt);
          sockets.push(socket);
          resolve();
          return;
        }
        if (!collecting) return;
        const text = data.toString('latin1', 0, Math.min(data.length, 200));
        const at = text.indexOf('"ts":');
        if (at === -1) return;
        received++;
        latenciesMs.push(Date.now() - Number(text.slice(at + 5, text.indexOf(',', at))));
      });
      socket.once('open', () => socket.send(subscription()));
      socket.once('close', (code) => {
        if (!acked) {
          clearTimeout(deadline);
          failed++;
          const key = timedOut ? 'handshake_timeout' : `close_${code}`;
          errors[key] = (errors[key] ?? 0) + 1;
          resolve();
        } else if (collecting) closedEarly++;
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        if (acked || timedOut) return;
        clearTimeout(deadline);
        failed++;
        const key = error.code ?? error.message.slice(0, 40);
        errors[key] = (errors[key] ?? 0) + 1;
        resolve();
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
  send({ type: 'ready', open: sockets.length, failed, errors, handshakeMs });
  setInterval(() => send({ type: 'progress', open: sockets.length, failed, received }), 500).unref();
}
