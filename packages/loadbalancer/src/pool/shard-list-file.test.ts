import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { readShardListFile, watchShardListFile } from './shard-list-file.js';

function fileWith(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'odin-shards-')), 'shards.txt');
  writeFileSync(path, text);
  return path;
}

describe('readShardListFile', () => {
  it('reads one URL per line, skipping comments, blanks and repeats', () => {
    const path = fileWith('# written by odin-ws-discover-shards\nws://10.0.0.2:3002/ws\n\n  ws://10.0.0.3:3002/ws   # zone b\nws://10.0.0.2:3002/ws\n');
    expect(readShardListFile(path)).toEqual(['ws://10.0.0.2:3002/ws', 'ws://10.0.0.3:3002/ws']);
  });

  it('reads an empty file as no shards', () => {
    expect(readShardListFile(fileWith('# none yet\n'))).toEqual([]);
    expect(readShardListFile(fileWith(''))).toEqual([]);
  });

  it('refuses a file whose last line is not finished (no trailing newline), and URLs no socket could dial', () => {
    expect(() => readShardListFile(fileWith('ws://10.0.0.2:3002/ws\nws://10.0.0.3:30'))).toThrow(
      expect.objectContaining({ message: expect.stringContaining('does not end with a newline') }),
    );
    for (const bad of ['ws://10.0.0.300:3002/ws', 'ws://10.0.0.2:70000/ws', 'ws://10.0.0.2:0/ws']) {
      expect(() => readShardListFile(fileWith(`${bad}\n`)), bad).toThrow(
        expect.objectContaining({ code: 'E_SHARD_LIST_FILE', message: expect.stringContaining(bad) }),
      );
    }
  });

  it('refuses a bad line, naming it, and a missing file, with a code', () => {
    expect(() => readShardListFile(fileWith('ws://10.0.0.2:3002/ws\nhttp://oops\n'))).toThrow(
      expect.objectContaining({ code: 'E_SHARD_LIST_FILE', message: expect.stringContaining('http://oops') }),
    );
    expect(() => readShardListFile('/nonexistent/shards.txt')).toThrow(expect.objectContaining({ code: 'E_SHARD_LIST_FILE' }));
  });
});

describe('watchShardListFile', () => {
  const quiet = { warn: () => undefined } as unknown as Parameters<typeof watchShardListFile>[3];

  it('applies the first read at once, a change only once it reads the same twice, and never an empty list', async () => {
    const path = fileWith('ws://10.0.0.2:3002/ws\n');
    const seen: string[][] = [];
    const stop = watchShardListFile(path, 20, (urls) => seen.push(urls), quiet);
    try {
      expect(seen).toEqual([['ws://10.0.0.2:3002/ws']]);
      writeFileSync(path, '');
      await sleep(100);
      writeFileSync(path, 'ws://10.0.0.2:3002/ws\nws://10.0.0.3:30');
      await sleep(100);
      expect(seen).toHaveLength(1); // an empty file and a half-written one changed nothing
      writeFileSync(path, 'ws://10.0.0.2:3002/ws\nws://10.0.0.3:3002/ws\n');
      await sleep(100);
      expect(seen).toEqual([['ws://10.0.0.2:3002/ws'], ['ws://10.0.0.2:3002/ws', 'ws://10.0.0.3:3002/ws']]);
    } finally {
      stop();
    }
  });
});
