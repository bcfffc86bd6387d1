import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readShardListFile } from './shard-list-file.js';

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
  });

  it('refuses a bad line, naming it, and a missing file, with a code', () => {
    expect(() => readShardListFile(fileWith('ws://10.0.0.2:3002/ws\nhttp://oops\n'))).toThrow(
      expect.objectContaining({ code: 'E_SHARD_LIST_FILE', message: expect.stringContaining('http://oops') }),
    );
    expect(() => readShardListFile('/nonexistent/shards.txt')).toThrow(expect.objectContaining({ code: 'E_SHARD_LIST_FILE' }));
  });
});
