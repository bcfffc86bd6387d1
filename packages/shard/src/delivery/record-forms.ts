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

/** The name of a registered form: what a connection holds a channel as, besides plain. */
export type ChannelForm = (typeof RECORD_FORMS)[number]['name'];

/** The form a subscribe asks for one of its channels (not a rate variant), or undefined for plain envelopes. */
export function requestedForm(request: FormRequest, isStateChannel: boolean): ChannelForm | undefined {
  return RECORD_FORMS.find((form) => form.requestedBy(request, isStateChannel))?.name;
}

/** The forms a subscribe asks for at all (for some state channel, at least). */
export function formsAskedBy(request: FormRequest): ReadonlyArray<RecordForm<ChannelForm>> {
  return RECORD_FORMS.filter((form) => form.requestedBy(request, true));
}
