import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { gcpAccessTokenProvider } from './oauth-gcp.js';

let server: Server | undefined;
afterEach(() => server?.close());

/** A stand-in for the GCE metadata server on loopback; records what was asked. */
async function metadataServer(answer: (req: IncomingMessage) => { status: number; body: string }): Promise<{ host: string; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = [];
  server = createServer((req, res) => {
    requests.push(req);
    const { status, body } = answer(req);
    res.writeHead(status).end(body);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { host: `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, requests };
}

const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

describe('gcpAccessTokenProvider', () => {
  it("wraps the VM's access token the way GCP Managed Kafka reads it, and caches it until near expiry", async () => {
    let now = 1_700_000_000_000;
    const metadata = await metadataServer((req) =>
      req.url!.endsWith('/token')
        ? { status: 200, body: JSON.stringify({ access_token: 'ya29.token', expires_in: 3599, token_type: 'Bearer' }) }
        : { status: 200, body: 'odin-shard@project.iam.gserviceaccount.com' },
    );
    const provider = gcpAccessTokenProvider({ metadataHost: metadata.host, now: () => now });
    const { value } = await provider();
    const [header, claims, token] = value.split('.');
    expect(decode(header!)).toEqual({ typ: 'JWT', alg: 'GOOG_OAUTH2_TOKEN' });
    expect(decode(claims!)).toEqual({
      exp: 1_700_003_599,
      iat: 1_700_000_000,
      iss: 'Google',
      scope: 'kafka',
      sub: 'odin-shard@project.iam.gserviceaccount.com',
    });
    expect(Buffer.from(token!, 'base64url').toString()).toBe('ya29.token');
    expect(metadata.requests.every((req) => req.headers['metadata-flavor'] === 'Google')).toBe(true);
    expect(metadata.requests.map((req) => req.url)).toEqual([
      '/computeMetadata/v1/instance/service-accounts/default/token',
      '/computeMetadata/v1/instance/service-accounts/default/email',
    ]);

    now += 30 * 60_000; // half an hour later: the cached token is still good
    expect((await provider()).value).toBe(value);
    expect(metadata.requests).toHaveLength(2);
    now += 26 * 60_000; // under five minutes left: a new one is fetched
    await provider();
    expect(metadata.requests).toHaveLength(4);
  });

  it('fails with E_KAFKA_OAUTH_TOKEN when the metadata server refuses or is not there', async () => {
    const metadata = await metadataServer(() => ({ status: 404, body: 'no service account' }));
    await expect(gcpAccessTokenProvider({ metadataHost: metadata.host })()).rejects.toMatchObject({
      code: 'E_KAFKA_OAUTH_TOKEN',
      message: expect.stringContaining('404'),
    });
    server!.close();
    await expect(gcpAccessTokenProvider({ metadataHost: metadata.host })()).rejects.toMatchObject({
      code: 'E_KAFKA_OAUTH_TOKEN',
      message: expect.stringContaining('did not answer'),
    });
  });
});
