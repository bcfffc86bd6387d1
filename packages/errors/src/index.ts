import type { OdinErrorCode } from './codes.js';

export type { OdinErrorCode } from './codes.js';
export { ClientErrorCode, ErrorCode, ServerErrorCode } from './codes.js';

/**
 * One error type for the whole project, in the manner of fastify's and pino's coded errors:
 * every failure carries a stable machine-readable `code` (from the ErrorCode table) and the
 * offending value, so a log line or a test can say exactly what was wrong without parsing prose.
 */
export class OdinError<Details extends Record<string, unknown> = Record<string, unknown>> extends Error {
  override readonly name: string = 'OdinError';

  constructor(
    readonly code: OdinErrorCode,
    message: string,
    /** The value that was wrong, or other context worth a log field. */
    readonly details: Details = {} as Details,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isOdinError(error: unknown, code?: OdinErrorCode): error is OdinError {
  return error instanceof OdinError && (code === undefined || error.code === code);
}

/** The message of anything thrown, for logs: `Error` objects and strings alike. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
