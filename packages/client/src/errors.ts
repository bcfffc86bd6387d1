import { type ClientErrorCode, OdinError } from '@odin-ws/errors';
import type { AuthErrorCode, ClientRefusalCode, CloseReasonCode, ProtocolErrorCode } from '@odin-ws/protocol';

/**
 * Every code a server sends that the SDK passes on as `details.serverCode`: `{"type":"error"}`
 * replies (ProtocolErrorCode), handshake refusals (AuthErrorCode, ORIGIN_NOT_ALLOWED, or plain
 * UNAUTHORIZED / FORBIDDEN when only an HTTP status said so) and close reasons (DRAINING...).
 */
export type ServerCode = ProtocolErrorCode | AuthErrorCode | ClientRefusalCode | CloseReasonCode | 'UNAUTHORIZED' | 'FORBIDDEN';

/** What the SDK's errors carry beside their code. */
export interface ClientErrorDetails extends Record<string, unknown> {
  /** The server's own code, when the server said why. */
  serverCode?: ServerCode;
  /** The offending value the server named (a channel, a position). */
  value?: unknown;
  /** The channels a refused subscribe carried. */
  channels?: string[];
  /** The WebSocket close code, for errors that came with a close. */
  closeCode?: number;
  /** For a refused connection: how many in a row so far. */
  attempt?: number;
  /** True when the client gave up and closed (state `closed`). */
  final?: boolean;
}

/** An error the SDK emits or throws: an OdinError with the SDK's codes and typed details. */
export type ClientError = OdinError<ClientErrorDetails> & { readonly code: ClientErrorCode };

export function clientError(code: ClientErrorCode, message: string, details: ClientErrorDetails = {}, options?: { cause?: unknown }): ClientError {
  return new OdinError<ClientErrorDetails>(code, message, details, options) as ClientError;
}

/**
 * Thrown by an app's `getToken` to say the user must sign in again: the client stops for good
 * (state `closed`) with a final E_UNAUTHORIZED error instead of retrying without a token.
 */
export class UnauthorizedError extends OdinError<ClientErrorDetails> {
  override readonly name: string = 'UnauthorizedError';

  constructor(message = 'the user must sign in again', options?: { cause?: unknown }) {
    super('E_UNAUTHORIZED', message, {}, options);
  }
}
