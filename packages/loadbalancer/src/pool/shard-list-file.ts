import { readFileSync } from 'node:fs';
import { shardUrlsParser } from '@odin-ws/config';
import { describeError, OdinError } from '@odin-ws/errors';
import type { Logger } from '@odin-ws/observability';

const parseUrls = shardUrlsParser();

/**
 * The shard list from a file: one ws://host:port/path per line, `#` starts a comment, blank lines
 * are ignored. Whatever keeps the file current (a discovery timer on a MIG, configuration
 * management, a person) needs no access to the load balancer itself.
 *
 * A complete file ends with a newline: one that does not is being written (or was cut), and is
 * refused whole rather than read with its last line cut short (`ws://10.0.0.7:300` for `:3002`).
 */
export function readShardListFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new OdinError('E_SHARD_LIST_FILE', `cannot read the shard list ${path}: ${describeError(error)}`, { path });
  }
  if (text !== '' && !text.endsWith('\n')) {
    throw new OdinError('E_SHARD_LIST_FILE', `the shard list ${path} does not end with a newline: still being written?`, { path });
  }
  const lines = text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '');
  if (lines.length === 0) return [];
  try {
    return [...new Set(parseUrls(lines.join(',')))];
  } catch (error) {
    throw new OdinError('E_SHARD_LIST_FILE', `bad shard list ${path}: ${describeError(error)}`, { path, cause: describeError(error) });
  }
}

/**
 * Checks the file every `intervalMs` and calls `onChange` with a new list once it is safe to use:
 * - it parses whole (a missing, unreadable, unterminated or malformed file keeps the current list);
 * - it lists at least one shard (an empty file, as `> file` or `truncate` leave it, never empties
 *   the pool; to remove every shard, stop the load balancer);
 * - it read the same on two checks in a row, so an editor or a script writing it in pieces is
 *   read once it is done (a change applies one interval later).
 * Problems are logged once each. The first read at start applies at once.
 */
export function watchShardListFile(path: string, intervalMs: number, onChange: (urls: string[]) => void, logger: Logger): () => void {
  let applied = '';
  let candidate: string | undefined;
  let lastProblem = '';
  const report = (problem: string) => {
    if (problem !== lastProblem) logger.warn({ path, err: problem }, 'shard list not (re)loaded; keeping the current one');
    lastProblem = problem;
  };
  const check = (first: boolean) => {
    let urls: string[];
    try {
      urls = readShardListFile(path);
    } catch (error) {
      candidate = undefined;
      report(describeError(error));
      return;
    }
    const key = urls.join('\n');
    if (key === applied) {
      candidate = undefined;
      return;
    }
    if (urls.length === 0) {
      if (!first) report(`the shard list ${path} lists no shard`);
      return;
    }
    if (!first && candidate !== key) {
      candidate = key; // seen once: applied if the next check reads the same
      return;
    }
    applied = key;
    candidate = undefined;
    lastProblem = '';
    onChange(urls);
  };
  check(true);
  const timer = setInterval(() => check(false), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
