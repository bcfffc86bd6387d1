import cluster from 'node:cluster';
import { createServer, type Socket } from 'node:net';
import { dialShard, splice } from '@odin-ws/loadbalancer';

/**
 * The node-relay target: the odin-ws LB's data path (dialShard, then splice: the same reads, writes
 * and frame checks per byte) with nothing around it: no HTTP parser, admission, breakers, health
 * polls or metrics. Workers share the port as the LB's do (cluster, SCHED_NONE). It shows what any
 * relay built on Node's sockets costs on these cores, next to HAProxy and the LB.
 *
 * argv: <port> <workers> <shard host:port>...
 */
const [portArg, workersArg, ...shards] = process.argv.slice(2);
const HANDSHAKE_TIMEOUT_MS = 5000;
/** As the LB's default --stalled-client-timeout. */
const STALLED_CLIENT_TIMEOUT_MS = 5000;
const NO_HEAD = Buffer.alloc(0);

if (cluster.isPrimary) {
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  for (let i = 0; i < Number(workersArg); i++) cluster.fork();
  cluster.on('exit', () => process.exit(1));
  process.on('SIGTERM', () => process.exit(0));
} else {
  let next = 0;
  const relay = (client: Socket, request: Buffer) => {
    const [host, port] = shards[next++ % shards.length]!.split(':');
    dialShard(host!, Number(port), request, HANDSHAKE_TIMEOUT_MS).then(
      (upstream) => {
        splice(
          client,
          NO_HEAD,
          upstream,
          { onClose: () => undefined, onProtocolError: () => undefined, onStalledClient: () => undefined },
          STALLED_CLIENT_TIMEOUT_MS,
        );
        client.resume();
      },
      () => client.destroy(),
    );
  };
  createServer({ noDelay: true }, (client) => {
    client.on('error', () => client.destroy());
    // The load generator writes its whole handshake at once, and on loopback it arrives in one read.
    client.once('data', (request: Buffer) => {
      client.pause();
      relay(client, request);
    });
  }).listen(Number(portArg), '127.0.0.1', 4096);
}
