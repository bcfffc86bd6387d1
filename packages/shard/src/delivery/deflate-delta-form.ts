import { ZlibFrameKind } from '@odin-ws/protocol';
import type { RecordForm } from './record-form.js';
import { buildZlibFrame } from './zlib-frame-builder.js';

/**
 * `"delta":"deflate"`: a state channel's record as a binary zlib frame of the plain envelope,
 * compressed with the channel's previous envelope as the preset dictionary (kind DELTA), so what
 * did not change costs a few bits. Compressed once per record, where permessage-deflate in uWS
 * compresses once per subscriber. Kind FULL (the fixed envelope dictionary) when there is no base
 * on the same partition.
 */
export const deflateDeltaForm: RecordForm<'deflate'> = {
  name: 'deflate',
  option: 'deflate',
  stateChannelsOnly: true,
  startsFromSnapshot: true,
  ackField: 'deltas',
  requestedBy: (request, isStateChannel) => isStateChannel && request.delta === 'deflate',
  frameOf(record) {
    const base = record.previous?.partition === record.partition ? record.previous.envelope : undefined;
    const kind = base === undefined ? ZlibFrameKind.FULL : ZlibFrameKind.DELTA;
    return { frame: buildZlibFrame(kind, record.channel, record.envelope, base), isBinary: true, delta: base !== undefined };
  },
};
