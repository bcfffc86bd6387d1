import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';

/** What the auth tests share: a secret file both tiers read, tokens signed with it, and a raw handshake. */
export const SECRET = 'an-odin-ws-test-secret-of-32-bytes-or-more';
export const secretFile = join(mkdtempSync(join(tmpdir(), 'odin-auth-')), 'secret');
writeFileSync(secretFile, SECRET, { mode: 0o600 });
export const now = () => Math.floor(Date.now() / 1000);

/** An HS256 token: a valid one (every channel, 10 minutes) unless the claims or the secret say otherwise. */
export const token = (claims: Record<string, unknown> = {}, secret = SECRET) =>
  new SignJWT({ exp: now() + 600, sub: 'trader-1', channels: ['*'], ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));

/** `alg: none`: no signature at all. */
export const unsigned = (claims: Record<string, unknown> = { exp: now() + 600 }) => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;

export function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** How long an accepted handshake is watched for a close frame that would follow at once. */
const CLOSE_FRAME_WAIT_MS = 300;

/**
 * The answer to a WebSocket handshake: 101, a 101 followed at once by a close frame (a refusal a
 * browser can read: its code and JSON reason, and the subprotocol answered), or an HTTP refusal
 * with its JSON code.
 */
export function handshake(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; code?: string; protocol?: string; close?: { code: number; reason: Record<string, unknown> } }> {
  return new Promise((resolve, reject) => {
    const req = request(url.replace('ws://', 'http://'), {
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers },
    });
    req.on('upgrade', (res, socket, head) => {
      const protocol = res.headers['sec-websocket-protocol'];
      const answer = { status: 101, ...(protocol ? { protocol } : {}) };
      let received = head;
      const finish = () => {
        clearTimeout(timer);
        socket.destroy();
        // An unmasked server close frame: 0x88, a length under 126, the code, the reason.
        if (received.length >= 4 && received[0] === 0x88) {
          const code = received.readUInt16BE(2);
          const reason = JSON.parse(received.subarray(4, 2 + received[1]!).toString('utf8')) as Record<string, unknown>;
          resolve({ ...answer, close: { code, reason } });
        } else resolve(answer);
      };
      const timer = setTimeout(finish, CLOSE_FRAME_WAIT_MS);
      if (received.length > 0) finish();
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        finish();
      });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, code: (JSON.parse(body) as { error?: string }).error }));
    });
    req.on('error', reject);
    req.end();
  });
}
