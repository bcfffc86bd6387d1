import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The load balancer's metrics, named as in the seed documents (docs/loadbalancer.md lists them). */
export function createLoadBalancerMetrics(registry: Registry, readState: () => { proxied: number; queueDepth: number }) {
  const registers = [registry];
  return {
    handshakeAttempts: new Counter({ name: 'ws_handshake_attempts_total', help: 'Handshakes forwarded to a shard', labelNames: ['shard_id'], registers }),
    handshakeSuccess: new Counter({ name: 'ws_handshake_success_total', help: 'Handshakes a shard accepted (101)', labelNames: ['shard_id'], registers }),
    handshakeFailures: new Counter({
      name: 'ws_handshake_failures_total',
      help: 'Handshakes a shard did not take, by reason (refused, reset, timeout, shard_full, draining, bad_status, circuit_open)',
      labelNames: ['shard_id', 'reason'],
      registers,
    }),
    handshakeDuration: new Histogram({
      name: 'ws_handshake_duration_seconds',
      help: 'Time from dialing a shard to its 101',
      labelNames: ['shard_id'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    handshakeRetries: new Counter({
      name: 'ws_handshake_retry_count',
      help: 'Client handshakes by the attempt (1 = first shard tried) on which they succeeded',
      labelNames: ['attempt'],
      registers,
    }),
    handshakeRejected: new Counter({
      name: 'ws_handshake_rejected_total',
      help: 'Client handshakes refused before any shard was tried, by rule broken (BAD_HANDSHAKE, UPGRADE_REQUIRED, UNSUPPORTED_WEBSOCKET_VERSION, TOO_MANY_HEADERS, ORIGIN_NOT_ALLOWED, TOKEN_*; TOO_MANY_CONNECTIONS: the client address holds --max-connections-per-ip, answered 1013)',
      labelNames: ['reason'],
      registers,
    }),
    authRefusals: new Counter({
      name: 'ws_auth_refusals_total',
      help: 'Handshakes refused with 401 before admission and before any shard, by token code (TOKEN_MISSING, TOKEN_INVALID, TOKEN_EXPIRED, ...)',
      labelNames: ['code'],
      registers,
    }),
    clientProtocolErrors: new Counter({
      name: 'ws_client_protocol_errors_total',
      help: 'Spliced connections cut for breaking the WebSocket framing, by reason (unmasked)',
      labelNames: ['reason'],
      registers,
    }),
    handshakeFailedAll: new Counter({
      name: 'ws_handshake_failed_all_total',
      help: 'Client handshakes that no shard took, by the close code sent (1012, 1013)',
      labelNames: ['close_code'],
      registers,
    }),
    // Across workers: circuit states are counted (how many workers see the circuit in each state);
    // scores and utilization are averaged, readiness is the minimum.
    breakerState: new Gauge({
      name: 'ws_circuit_breaker_state',
      help: 'Workers whose circuit for the shard is in this state (closed, half_open, open)',
      labelNames: ['shard_id', 'state'],
      aggregator: 'sum',
      registers,
    }),
    breakerTransitions: new Counter({
      name: 'ws_circuit_breaker_transitions_total',
      help: 'Circuit state changes',
      labelNames: ['shard_id', 'from', 'to'],
      registers,
    }),
    breakerFailures: new Counter({
      name: 'ws_circuit_breaker_failures_total',
      help: "Failures recorded by each shard's circuit",
      labelNames: ['shard_id'],
      registers,
    }),
    healthScore: new Gauge({
      name: 'ws_shard_health_score',
      help: 'Health score 0-1 (utilization and recent failures)',
      labelNames: ['shard_id'],
      aggregator: 'average',
      registers,
    }),
    utilization: new Gauge({
      name: 'ws_shard_utilization',
      help: 'Shard connections / capacity from its /health',
      labelNames: ['shard_id'],
      aggregator: 'average',
      registers,
    }),
    recentFailures: new Gauge({ name: 'ws_shard_recent_failures', help: 'Handshake failures in the failure window', labelNames: ['shard_id'], registers }),
    shardReady: new Gauge({ name: 'ws_shard_ready', help: "1 when the shard's last /health said ok", labelNames: ['shard_id'], aggregator: 'min', registers }),
    proxiedActive: new Gauge({
      name: 'ws_proxied_connections_active',
      help: 'Client connections currently spliced to a shard',
      registers,
      collect() {
        this.set(readState().proxied);
      },
    }),
    admissionQueueDepth: new Gauge({
      name: 'ws_admission_queue_depth',
      help: 'Handshakes waiting for admission',
      registers,
      collect() {
        this.set(readState().queueDepth);
      },
    }),
    admissionQueued: new Counter({ name: 'ws_admission_queued_total', help: 'Handshakes that had to wait for admission', registers }),
    stalledClientCuts: new Counter({
      name: 'ws_stalled_client_cuts_total',
      help: 'Spliced clients cut because they took nothing of what waited for them (data, or the close frame their shard ended them with) for --stalled-client-timeout: clients that stopped reading',
      registers,
    }),
    admissionRejections: new Counter({
      name: 'ws_admission_rejections_total',
      help: 'Handshakes refused by admission control with 1013, by reason (queue_full, ip_queue_full, wait_expired)',
      labelNames: ['reason'],
      registers,
    }),
    workers: new Gauge({
      name: 'ws_lb_workers',
      help: 'Load-balancer worker processes (each reports 1; the cluster view adds them up)',
      aggregator: 'sum',
      registers,
      collect() {
        this.set(1);
      },
    }),
    httpRequests: new Counter({ name: 'ws_lb_http_requests_total', help: 'Plain HTTP requests, by answer', labelNames: ['status'], registers }),
  };
}

export type LoadBalancerMetrics = ReturnType<typeof createLoadBalancerMetrics>;
