import { fileURLToPath } from 'node:url';

/** The built CLI: tests run the real `odin-ws` binary, as an operator would. */
export const CLI_PATH = fileURLToPath(new URL('../../../apps/cli/bin/odin-ws.js', import.meta.url));
export const KAFKA_SCRIPT = fileURLToPath(new URL('../../../scripts/kafka.sh', import.meta.url));
