import type { Logger } from '@odin-ws/observability';
import { exitCodeOf, failureLine } from './exit-codes.js';

export interface ShutdownOptions {
  /**
   * What a second SIGTERM/SIGINT does while the drain runs: `exit` at once with status 1 (a
   * person pressing Ctrl-C twice), or `ignore` it (a load-balancer worker: Ctrl-C signals the
   * whole process group, so it may get the terminal's SIGINT after its primary's drain request;
   * both mean the one drain, and escalating is the primary's business).
   */
  secondSignal: 'exit' | 'ignore';
}

/**
 * The one way every mode ends: `drain` runs once, on the first SIGTERM or SIGINT or when the
 * returned function is called, then the process exits 0 (1 if the drain failed). A drain that
 * outlives `timeoutMs` exits at once: an orchestrator's deadline always wins.
 *
 * SIGHUP is logged and ignored. Node's default would kill the process undrained: a closed terminal,
 * `kill -HUP` or a `systemctl reload` must not drop every client. Nothing needs reloading on it: the
 * shard list file is re-read every health interval, and logs go to stdout.
 */
export function exitAfterDrainOnSignal(
  logger: Logger,
  timeoutMs: number,
  drain: () => Promise<void>,
  options: ShutdownOptions = { secondSignal: 'exit' },
): (cause: string) => void {
  let draining = false;
  const start = (cause: string) => {
    if (draining) return;
    draining = true;
    logger.info({ cause }, 'shutdown requested');
    const deadline = setTimeout(() => {
      logger.warn({ timeoutMs }, 'drain timeout reached: exiting');
      process.exit(0);
    }, timeoutMs);
    deadline.unref();
    drain().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'drain failed');
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (draining && options.secondSignal === 'exit') {
      logger.warn({ signal }, 'second signal: exiting without finishing the drain');
      process.exit(1);
    }
    start(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', () => logger.info('SIGHUP ignored: nothing to reload (the shard list file is re-read every health interval)'));
  return start;
}

/** A failure after start that retrying cannot mend: logged, one line on stderr, exit 1 (78 if it is the configuration's). */
export function exitOnFatal(logger: Logger, error: Error): void {
  logger.fatal({ err: error }, 'stopping: this cannot be retried away');
  process.stderr.write(failureLine(error));
  process.exit(exitCodeOf(error));
}
