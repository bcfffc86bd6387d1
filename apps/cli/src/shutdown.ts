import type { Logger } from '@odin-ws/observability';

/**
 * Runs `drain` once on the first SIGTERM or SIGINT, then exits. A second signal, or a drain that
 * outlives `timeoutMs`, exits at once: an orchestrator's deadline always wins.
 */
export function exitAfterDrainOnSignal(logger: Logger, timeoutMs: number, drain: () => Promise<void>): void {
  let draining = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (draining) {
      logger.warn({ signal }, 'second signal: exiting without finishing the drain');
      process.exit(1);
    }
    draining = true;
    logger.info({ signal }, 'shutdown requested');
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
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
