import { createRequire } from 'node:module';
import { type LevelWithSilent, type Logger, pino } from 'pino';
import type PinoPretty from 'pino-pretty';

export type { Logger };

/**
 * pino's levels as Cloud Logging's LogSeverity: its agents and runtimes read a `severity` field in a
 * JSON line as the entry's severity, where a bare numeric `level` would leave every entry at DEFAULT.
 */
const SEVERITY: Record<string, string> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

export interface LoggerOptions {
  level: LevelWithSilent;
  base: Record<string, unknown>;
  /** Readable lines instead of JSON; by default, when stdout is a terminal (a person is reading). */
  readable?: boolean;
}

/**
 * JSON logs, one line per lifecycle event, with `severity` and `message` where Cloud Logging looks
 * for them; readable lines in a terminal. Nothing on a per-message path logs at info: with tens of
 * thousands of clients a per-message line would cost more than the message.
 */
export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level,
    base: options.base,
    messageKey: 'message',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string, number: number) => ({ level: number, severity: SEVERITY[label] ?? 'DEFAULT' }) },
  };
  if (!(options.readable ?? process.stdout.isTTY === true)) return pino(settings);
  // Loaded only for a person at a terminal: a service (stdout to a journal or a pipe) never loads
  // pino-pretty and its dependencies. Synchronous: the lines of a crash are written before exit.
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  return pino(
    settings,
    pretty({ sync: true, colorize: true, singleLine: true, messageKey: 'message', translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,severity' }),
  );
}
