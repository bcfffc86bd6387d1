import { ZlibFrameKind } from '@odin-ws/protocol';
import type { RecordForm } from './record-form.js';
import { buildZlibFrame } from './zlib-frame-builder.js';

/**
 * `"compress":"deflate"`: any channel's record (trades too) as a binary zlib frame of the plain
 * envelope against the fixed envelope dictionary (kind FULL), compressed once per record. Nothing
 * is kept on either side, so no base and no snapshot. A state channel that asked for deltas too
 * takes the delta form (record-forms.ts lists deltas first).
 */
export const compressedForm: RecordForm<'compressed'> = {
  name: 'compressed',
  option: 'compress',
  stateChannelsOnly: false,
  startsFromSnapshot: false,
  ackField: 'compressed',
  requestedBy: (request) => request.compress === 'deflate',
  frameOf: (record) => ({ frame: buildZlibFrame(ZlibFrameKind.FULL, record.channel, record.envelope), isBinary: true, delta: false }),
};
