import type { SourceRecord } from '@odin-ws/kafka';
import { buildEnvelope } from '@odin-ws/protocol';

/** Why a record was not broadcast; each is a label of ws_kafka_records_dropped_total. */
export type DropReason = 'missing_key' | 'invalid_key' | 'empty_value' | 'oversized' | 'invalid_json';

/** `ts`: the envelope's producer timestamp. */
export type FrameResult = { ok: true; frame: string; ts: number } | { ok: false; reason: DropReason };

/**
 * Where a Kafka record becomes the frame every subscriber receives: validated once, serialized
 * once. Kafka is a trust boundary too — any producer can write anything — so a record that would
 * make an invalid or oversized frame is dropped here, never half-sent.
 */
export function recordToFrame(record: SourceRecord, channel: string, maxRecordSize: number): FrameResult {
  const { value } = record;
  if (value === null || value.length === 0) return { ok: false, reason: 'empty_value' };
  if (value.length > maxRecordSize) return { ok: false, reason: 'oversized' };
  // Invalid UTF-8 decodes to U+FFFD, so the frame is always valid UTF-8 text.
  const dataJson = value.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(dataJson);
  } catch {
    return { ok: false, reason: 'invalid_json' };
  }
  const ts = producerTimestamp(parsed, record.timestamp);
  return { ok: true, ts, frame: buildEnvelope({ channel, partition: record.partition, offset: record.offset, ts, dataJson }) };
}

/** The seed publisher puts its own clock in `timestamp`; otherwise the Kafka record timestamp. */
function producerTimestamp(parsed: unknown, recordTimestamp: number): number {
  if (typeof parsed === 'object' && parsed !== null) {
    const timestamp = (parsed as { timestamp?: unknown }).timestamp;
    if (typeof timestamp === 'number' && Number.isFinite(timestamp) && timestamp > 0) return timestamp;
  }
  return recordTimestamp;
}
