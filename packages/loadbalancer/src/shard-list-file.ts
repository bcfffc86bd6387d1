import { readFileSync, statSync } from 'node:fs';
import { shardUrlsParser } from '@odin-ws/config';
import { describeError, OdinError } from '@odin-ws/errors';
import type { Logger } from '@odin-ws/observability';

const parseUrls = shardUrlsParser();

/**
 * The shard list from a file: one ws://host:port/path per line, `#` starts a comment, blank lines
 * are ignored, an empty file means no shards. Whatever keeps the file current (a discovery timer
 * on a MIG, configuration management, a person) needs no access to the load balancer itself.
 */
export function readShardListFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new OdinError('E_SHARD_LIST_FILE', `cannot read the shard list ${path}: ${describeError(error)}`, { path });
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
 * Checks the file every `intervalMs` (a stat; read only when its size or time changed) and calls
 * `onChange` with the new list. A missing or broken file keeps the current list and is logged once
 * per distinct problem, so a half-written file never empties the pool.
 */
export function watchShardListFile(path: string, intervalMs: number, onChange: (urls: string[]) => void, logger: Logger): () => void {
  let lastStamp = '';
  let lastProblem = '';
  const check = () => {
    try {
      const { mtimeMs, size } = statSync(path);
      const stamp = `${mtimeMs}:${size}`;
      if (stamp === lastStamp) return;
      const urls = readShardListFile(path);
      lastStamp = stamp;
      lastProblem = '';
      onChange(urls);
    } catch (error) {
      const problem = describeError(error);
      if (problem !== lastProblem) logger.warn({ path, err: problem }, 'shard list not (re)loaded; keeping the current one');
      lastProblem = problem;
    }
  };
  check();
  const timer = setInterval(check, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
