import { type ClientError, clientError, UnauthorizedError } from './errors.js';

/**
 * The token from the app's getToken, or undefined when it failed: `failed` hears why, with
 * `final: true` when getToken threw an UnauthorizedError (the user must sign in again: the client
 * stops for good) and E_TOKEN_UNAVAILABLE otherwise (the client retries later).
 */
export async function tokenFrom(getToken: () => string | Promise<string>, failed: (error: ClientError) => void): Promise<string | undefined> {
  try {
    // Called on a later tick, so a getToken that throws at once is reported after connect()
    // returned, to listeners attached right after it.
    return await Promise.resolve().then(() => getToken());
  } catch (error) {
    if (error instanceof UnauthorizedError) failed(clientError('E_UNAUTHORIZED', `getToken: ${error.message}`, { final: true }, { cause: error }));
    else failed(clientError('E_TOKEN_UNAVAILABLE', `getToken failed: ${error instanceof Error ? error.message : String(error)}`));
    return undefined;
  }
}

/**
 * getToken, one call at a time: whoever asks while a call is under way gets its answer, so a refresh
 * racing a reconnect, or a server repeating token_expiring, cannot make the app's identity provider
 * take a call per message.
 */
export function coalescedTokens(getToken: () => string | Promise<string>, failed: (error: ClientError) => void): () => Promise<string | undefined> {
  let inFlight: Promise<string | undefined> | undefined;
  return () => {
    if (inFlight) return inFlight;
    const asked = tokenFrom(getToken, failed);
    inFlight = asked;
    void asked.finally(() => {
      if (inFlight === asked) inFlight = undefined;
    });
    return asked;
  };
}
