import type { SourceRecord } from '@odin-ws/kafka';
import { type BookRecordProblem, buildEnvelope } from '@odin-ws/protocol';

/** Why a record was not broadcast; each is a label of ws_kafka_records_dropped_total. */
/** `book_*`: a book record forwarded to no one (order-books.ts): seen before, after a gap, or to a stale book. */
export type DropReason =
  | 'missing_key'
  | 'invalid_key'
  | 'empty_value'
  | 'oversized'
  | 'invalid_json'
  | BookRecordProblem
  | 'book_replay'
  | 'book_gap'
  | 'book_stale';

/** `ts`: the envelope's producer timestamp; `value`: the record parsed (a book record is read from it); `dataJson`: its text. */
export type FrameResult = { ok: true; frame: string; ts: number; value: unknown; dataJson: string } | { ok: false; reason: DropReason };

/**
 * Where a Kafka record becomes the frame every subscriber receives: validated once, serialized
 * once. Kafka is a trust boundary too — any producer can write anything — so a record that would
 * make an invalid or oversized frame is dropped here, never half-sent.
 */
export function recordToFrame(record: SourceRecord, channel: string, maxRecordSize: number, prev: number | null): FrameResult {
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
  return { ok: true, ts, value: parsed, dataJson, frame: buildEnvelope({ channel, partition: record.partition, offset: record.offset, ts, prev, dataJson }) };
}

/** The seed publisher puts its own clock in `timestamp`; otherwise the Kafka record timestamp. */
function producerTimestamp(parsed: unknown, recordTimestamp: number): number {
  if (typeof parsed === 'object' && parsed !== null) {
    const timestamp = (parsed as { timestamp?: unknown }).timestamp;
    if (typeof timestamp === 'number' && Number.isFinite(timestamp) && timestamp > 0) return timestamp;
  }
  return recordTimestamp;
}
