/**
 * The one interface the shard uses to read Kafka. Everything kafkajs-specific stays behind it
 * (kafkajs-source.ts), so a maintained client can replace kafkajs by adding one implementation.
 */
export interface SourceRecord {
  topic: string;
  partition: number;
  /** Kafka offsets are int64; as numbers they are exact up to 2^53, far beyond any real log. */
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  /** Kafka record timestamp, ms since the epoch. */
  timestamp: number;
}

/** Records of one partition, in offset order. */
export interface SourceBatch {
  topic: string;
  partition: number;
  records: SourceRecord[];
  /** Records still behind this batch in the partition (high watermark minus next offset). */
  lag: number;
}

/**
 * `connecting`: joining the group or waiting for the first fetch; `catching-up`: fetching, but not
 * yet at the end the partitions had when the source started (filling the history); `consuming`: fetching;
 * `reconnecting`: lost the broker and retrying; `stalled`: joined but no fetch has completed
 * for a while; `stopped`: stop() was called.
 */
export type SourceState = 'connecting' | 'catching-up' | 'consuming' | 'reconnecting' | 'stalled' | 'stopped';

export const SOURCE_STATES: readonly SourceState[] = ['connecting', 'catching-up', 'consuming', 'reconnecting', 'stalled', 'stopped'];

export interface RecordSource {
  /**
   * Starts consuming in the background and returns at once; the source keeps retrying until stop().
   * Contract: for each partition, batches arrive in increasing offset order and no offset is handed
   * over twice in the life of the source, even across broker restarts and group rejoins.
   */
  start(onBatch: (batch: SourceBatch) => void): void;
  stop(): Promise<void>;
  state(): SourceState;
  /**
   * The offset from which every record of the partition has been or will be handed over, with no
   * gap: recovery can vouch for positions from there on. undefined while not known.
   */
  coveredFrom(topic: string, partition: number): number | undefined;
  /** The partition's end (high watermark) as last fetched (or as it was at start); undefined while not known. */
  endOffset(topic: string, partition: number): number | undefined;
  onStateChange(listener: (state: SourceState) => void): void;
  /**
   * A partition that did not exist when the source started (added to a live topic) is now read,
   * from its first record.
   */
  onPartitionAdded(listener: (topic: string, partition: number) => void): void;
  /**
   * The source gave up for a reason retrying cannot mend (the broker refused the credentials at
   * the first connection): the process should stop with this error rather than run without data.
   */
  onFatal(listener: (error: Error) => void): void;
}
