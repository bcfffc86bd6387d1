export { CLI_PATH, KAFKA_SCRIPT, REPO_ROOT } from './paths.js';
export { sleep, waitFor } from './wait.js';
export { freePort } from './ports.js';
export { metricValue, startShardProcess } from './shard-process.js';
export type { ShardProcess, ShardProcessOptions } from './shard-process.js';
export { closeProducers, createTestTopic, kafkaBrokers, produce, seedValue } from './kafka.js';
export { TestClient } from './ws-client.js';
export type { ClosedEvent } from './ws-client.js';
export { maskedTextFrame, rawWebSocket } from './raw-socket.js';
