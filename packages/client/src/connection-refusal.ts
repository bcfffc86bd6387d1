import { CloseCode, parseCloseReason } from '@odin-ws/protocol';
import type { ServerCode } from './errors.js';

/** The server refused the client itself (its token, its origin or entitlements): not a network fault. */
export interface ConnectionRefusal {
  kind: 'unauthorized' | 'forbidden';
  serverCode: ServerCode;
  closeCode: number;
}

/**
 * Whether a close means a refusal: a 4401/4403 close frame (servers that know the client reads
 * them: it offers `odin.v1`), or, where the platform shows it (Node's `ws`), a handshake answered
 * 401/403. A browser sees a plain 401 only as 1006 and cannot tell it from an outage.
 */
export function readRefusal(code: number, reason: string, httpStatus: number | undefined): ConnectionRefusal | undefined {
  if (code === CloseCode.UNAUTHORIZED || code === CloseCode.FORBIDDEN) {
    const kind = code === CloseCode.UNAUTHORIZED ? 'unauthorized' : 'forbidden';
    return { kind, serverCode: parseCloseReason(reason)?.code ?? (kind === 'unauthorized' ? 'UNAUTHORIZED' : 'FORBIDDEN'), closeCode: code };
  }
  if (httpStatus === 401) return { kind: 'unauthorized', serverCode: 'UNAUTHORIZED', closeCode: code };
  if (httpStatus === 403) return { kind: 'forbidden', serverCode: 'FORBIDDEN', closeCode: code };
  return undefined;
}

/** Refusals in a row after which the client stops for good (option `maxRefusals`). */
export const DEFAULT_MAX_REFUSALS = 3;

/**
 * Whether a refusal ends the client: always without getToken (nothing would change on a retry), and
 * after `maxRefusals` in a row with it. An origin refusal cannot be cured by a token either.
 */
export function refusalIsFinal(refusal: ConnectionRefusal, inARow: number, hasGetToken: boolean, maxRefusals: number): boolean {
  if (!hasGetToken) return true;
  if (refusal.serverCode === 'ORIGIN_NOT_ALLOWED') return true;
  return inARow >= maxRefusals;
}

/** The HTTP status Node's `ws` names in the error it reports for a refused handshake. */
export function httpStatusOfHandshakeError(event: unknown): number | undefined {
  const message = (event as { message?: unknown } | null)?.message;
  const match = typeof message === 'string' ? /Unexpected server response: (\d{3})/.exec(message) : null;
  return match ? Number(match[1]) : undefined;
}
