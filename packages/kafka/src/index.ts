export type { TopicSpec } from './admin.js';
export { ensureTopics } from './admin.js';
export type { KafkaJsSourceOptions } from './kafkajs-source.js';
export { KafkaJsRecordSource } from './kafkajs-source.js';
export type { RecordSink, SinkMessage } from './record-sink.js';
export { createKafkaJsSink } from './record-sink.js';
export type { RecordSource, SourceBatch, SourceRecord, SourceState } from './record-source.js';
export { SOURCE_STATES } from './record-source.js';
