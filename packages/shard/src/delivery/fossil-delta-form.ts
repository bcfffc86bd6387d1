import { buildDeltaEnvelope, envelopeDataJson } from '@odin-ws/protocol';
import { createStringDelta } from 'fossil-delta';
import type { RecordForm } from './record-form.js';

/**
 * `"delta":"fossil"`: a state channel's record as a JSON envelope whose `delta` is a Fossil delta of
 * its `data` from the previous record's. Full when there is no base on the same partition (where
 * the subscriber's last position is) or when the delta would not be shorter; a full envelope is a
 * new base for the subscriber all the same.
 */
export const fossilDeltaForm: RecordForm<'fossil'> = {
  name: 'fossil',
  option: 'fossil',
  stateChannelsOnly: true,
  startsFromSnapshot: true,
  ackField: 'deltas',
  requestedBy: (request, isStateChannel) => isStateChannel && request.delta === 'fossil',
  frameOf(record) {
    const { previous, envelope } = record;
    const from = previous?.partition === record.partition ? envelopeDataJson(previous.envelope) : undefined;
    const to = envelopeDataJson(envelope);
    const candidate =
      from === undefined || to === undefined
        ? undefined
        : buildDeltaEnvelope({
            channel: record.channel,
            partition: record.partition,
            offset: record.offset,
            ts: record.ts,
            prev: record.prev,
            base: previous!.offset,
            fossil: createStringDelta(from, to),
          });
    // A small or wholly changed value can make a delta longer than the envelope: then the envelope.
    const delta = candidate !== undefined && candidate.length < envelope.length;
    return { frame: delta ? candidate : envelope, isBinary: false, delta };
  },
};
