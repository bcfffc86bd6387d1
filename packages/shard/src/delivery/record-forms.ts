import type { DepthForm } from './book-depths.js';
import { compressedForm } from './compressed-form.js';
import { deflateDeltaForm } from './deflate-delta-form.js';
import { fossilDeltaForm } from './fossil-delta-form.js';
import type { FormRequest, RecordForm } from './record-form.js';

/**
 * Every delivery form a shard publishes, registered here and nowhere else. Order matters where a
 * subscribe asks for two forms of one channel: the first that takes it wins (deltas before
 * compressed frames, so a state channel asked for both comes as deltas).
 */
export const RECORD_FORMS = [fossilDeltaForm, deflateDeltaForm, compressedForm] as const;

/** The name of a registered record form. */
export type RecordFormName = (typeof RECORD_FORMS)[number]['name'];

/** What a connection holds a channel as, besides plain: a record form, or a book's top-N depth (book-depths.ts). */
export type ChannelForm = RecordFormName | DepthForm;

/**
 * The form a subscribe asks for one of its channels (not a rate variant), among the forms this
 * shard offers (--delivery-forms), or undefined for plain envelopes.
 */
export function requestedForm(request: FormRequest, isStateChannel: boolean, offered: ReadonlySet<ChannelForm>): RecordFormName | undefined {
  return RECORD_FORMS.find((form) => offered.has(form.name) && form.requestedBy(request, isStateChannel))?.name;
}

/** The forms --delivery-forms offers, by their names there. */
export function offeredForms(options: readonly string[]): ReadonlySet<ChannelForm> {
  return new Set(RECORD_FORMS.filter((form) => options.includes(form.option)).map((form) => form.name));
}

/** The forms a subscribe asks for at all (for some state channel, at least), offered or not: the ack answers each. */
export function formsAskedBy(request: FormRequest): ReadonlyArray<RecordForm<RecordFormName>> {
  return RECORD_FORMS.filter((form) => form.requestedBy(request, true));
}
