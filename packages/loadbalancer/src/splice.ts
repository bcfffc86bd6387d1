import type { Socket } from 'node:net';

/**
 * Joins the client and shard TCP streams once the shard said 101. From here the load balancer
 * never parses a WebSocket frame: bytes are copied both ways with backpressure (pipe), so a
 * message costs one read and one write per direction. Either side closing or failing ends both.
 */
export function splice(client: Socket, clientHead: Buffer, shard: Socket, shardResponse: Buffer, onClose: () => void): void {
  client.setNoDelay(true);
  shard.setNoDelay(true);
  // Hazard: without error handlers a reset on either socket would throw and crash the worker.
  let closed = false;
  const closeBoth = () => {
    if (closed) return;
    closed = true;
    client.destroy();
    shard.destroy();
    onClose();
  };
  client.on('error', closeBoth);
  shard.on('error', closeBoth);
  client.on('close', closeBoth);
  shard.on('close', closeBoth);
  // A half-close is passed on (pipe ends the other side), so a clean WebSocket close handshake
  // (close frame, close frame, FIN) completes end to end.
  client.write(shardResponse);
  if (clientHead.length > 0) shard.write(clientHead);
  client.pipe(shard);
  shard.pipe(client);
}
