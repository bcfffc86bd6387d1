import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { stablePortRange, startShardProcess } from '@odin-ws/testkit';
import { afterAll, describe, expect, it } from 'vitest';

/** bin/healthcheck.js, the container image's HEALTHCHECK, against a real shard. */
const HEALTHCHECK = join(new URL('../bin/', import.meta.url).pathname, 'healthcheck.js');
const check = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [HEALTHCHECK, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 10_000 });

describe('bin/healthcheck.js', () => {
  const stops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const stop of stops) await stop();
  });

  it("passes while the mode's public /health answers, fails with one line when nothing does, and passes the feed", async () => {
    const shard = await startShardProcess({ topics: ['odin.trades'] });
    stops.push(() => shard.stop());
    expect(check(['--mode=shard'], { ODIN_PORT: String(shard.port) }).status).toBe(0);
    const nothing = await stablePortRange(1);
    const down = check(['--mode=loadbalancer'], { ODIN_LB_PORT: String(nothing) });
    expect(down.status).toBe(1);
    expect(down.stderr).toBe(`odin-ws healthcheck: no answer on 127.0.0.1:${nothing}/health (ECONNREFUSED)\n`);
    expect(check(['--mode=feed'], {}).status).toBe(0);
  });
});
