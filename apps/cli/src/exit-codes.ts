import { describeError, isOdinError, type OdinErrorCode } from '@odin-ws/errors';
import { CommanderError } from 'commander';

/**
 * How odin-ws exits, in sysexits(3) terms, so a supervisor can tell a failure a restart may mend
 * from one it never will: the systemd units stop restarting on 64 and 78
 * (RestartPreventExitStatus), where `Restart=always` would otherwise loop on a bad flag forever.
 */
export const ExitCode = {
  OK: 0,
  /** Anything at run time: a port in use, Kafka gone, a drain that failed. */
  RUNTIME: 1,
  /** The command line is not one odin-ws takes (EX_USAGE). */
  USAGE: 64,
  /** A setting's value, a --config file or a file a setting names is wrong (EX_CONFIG). */
  CONFIG: 78,
} as const;

/** Codes that mean the configuration is wrong: the same start would fail the same way. */
const CONFIGURATION_CODES = new Set<OdinErrorCode>(['E_INVALID_OPTION_VALUE', 'E_CONFIG_FILE', 'E_KAFKA_CONFIG', 'E_AUTH_CONFIG', 'E_SHARD_LIST_FILE']);

/** commander's codes for a flag whose value was refused (by its parser or its choices). */
const COMMANDER_VALUE_CODES = new Set(['commander.invalidArgument']);

export function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) return ExitCode.OK; // --help, --version
    return COMMANDER_VALUE_CODES.has(error.code) ? ExitCode.CONFIG : ExitCode.USAGE;
  }
  if (isOdinError(error, 'E_USAGE')) return ExitCode.USAGE;
  if (isOdinError(error) && CONFIGURATION_CODES.has(error.code)) return ExitCode.CONFIG;
  return ExitCode.RUNTIME;
}

/** How every failure that ends the process reads on stderr: `odin-ws: <code>: <message>`, one line. */
export function failureLine(error: unknown): string {
  if (error instanceof CommanderError) {
    const code = COMMANDER_VALUE_CODES.has(error.code) ? 'E_INVALID_OPTION_VALUE' : 'E_USAGE';
    return `odin-ws: ${code}: ${error.message.replace(/^error: /, '')}\n`;
  }
  const code = isOdinError(error) ? `${error.code}: ` : '';
  return `odin-ws: ${code}${describeError(error)}\n`;
}
