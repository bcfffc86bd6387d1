import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { demoTokenMinter } from '../src/modes/demo-token.js';
import { handOffKafkaPassword } from '../src/modes/local.js';

describe('what local mode hands its children and its page', () => {
  it('moves ODIN_KAFKA_SASL_PASSWORD out of the environment into a file only its user may read, and removes it', () => {
    const handed = handOffKafkaPassword({ PATH: '/usr/bin', ODIN_KAFKA_SASL_PASSWORD: 'kafka-secret' });
    expect(handed.env).toEqual({ PATH: '/usr/bin' });
    const file = handed.args[0]!.replace('--kafka-sasl-password-file=', '');
    expect(handed.args).toEqual([`--kafka-sasl-password-file=${file}`]);
    expect(readFileSync(file, 'utf8')).toBe('kafka-secret');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    handed.remove();
    expect(existsSync(file)).toBe(false);
    expect(handOffKafkaPassword({ PATH: '/usr/bin' })).toMatchObject({ env: { PATH: '/usr/bin' }, args: [] });
  });

  it("mints demo tokens for the demo symbols' channels only, never '*'", async () => {
    const secret = join(mkdtempSync(join(tmpdir(), 'odin-demo-')), 'secret');
    writeFileSync(secret, 'a-local-demo-secret-of-at-least-32-bytes', { mode: 0o600 });
    const mint = demoTokenMinter(
      {
        key: { kind: 'secret-file', location: secret },
        audience: undefined,
        issuer: undefined,
        channelsClaim: 'channels',
        defaultChannels: undefined,
        maxTokenLifetimeS: 86_400,
        clockToleranceS: 30,
        refreshWindowS: 30,
        requireSubject: true,
        queryToken: 'allow',
      },
      ['BTC', 'ETH'],
    )!;
    expect(decodeJwt(await mint())).toMatchObject({ channels: ['BTC.*', 'ETH.*'], sub: 'local-demo' });
  });
});
