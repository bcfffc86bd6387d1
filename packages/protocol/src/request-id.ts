/** Correlation id a client may attach to a request; echoed in the answer. */
export type RequestId = string | number;

/** Spreads `{ id }` into a message only when the client sent one. */
export function withId(id: RequestId | undefined): { id?: RequestId } {
  return id === undefined ? {} : { id };
}
