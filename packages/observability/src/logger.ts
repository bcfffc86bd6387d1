import { type LevelWithSilent, type Logger, pino } from 'pino';

export type { Logger };

/**
 * JSON logs, one line per lifecycle event. Nothing on a per-message path logs at info:
 * with tens of thousands of clients a per-message line would cost more than the message.
 */
export function createLogger(options: { level: LevelWithSilent; base: Record<string, unknown> }): Logger {
  return pino({ level: options.level, base: options.base, timestamp: pino.stdTimeFunctions.isoTime });
}
