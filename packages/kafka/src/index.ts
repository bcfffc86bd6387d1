export { SOURCE_STATES } from './record-source.js';
export type { RecordSource, SourceBatch, SourceRecord, SourceState } from './record-source.js';
export { KafkaJsRecordSource } from './kafkajs-source.js';
export type { KafkaJsSourceOptions } from './kafkajs-source.js';
export { createKafkaJsSink } from './record-sink.js';
export type { RecordSink, SinkMessage } from './record-sink.js';
export { ensureTopics } from './admin.js';
export type { TopicSpec } from './admin.js';
