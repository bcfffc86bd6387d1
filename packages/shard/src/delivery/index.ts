/**
 * delivery/: the forms a subscriber can take a channel in, each built once per record (or per
 * interval) for all its subscribers. Plain envelopes and the record forms (record-forms.ts: Fossil
 * deltas, deflate deltas, compressed frames) are published per record by RecordPublisher; rate
 * variants (`BTC.book@250ms`) once per interval by the Conflator.
 */
export { BookDepthPublisher, type DepthForm, depthForm } from './book-depths.js';
export { Conflator } from './conflator.js';
export { formTopicOf } from './form-topics.js';
export type { FormRequest, PublishedRecord, RecordForm } from './record-form.js';
export { type ChannelForm, formsAskedBy, offeredForms, RECORD_FORMS, requestedForm } from './record-forms.js';
export { RecordPublisher, type RecordPublisherOptions } from './record-publisher.js';
