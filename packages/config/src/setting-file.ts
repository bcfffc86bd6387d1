import { readFileSync } from 'node:fs';
import { describeError, type ErrorCode, OdinError } from '@odin-ws/errors';

/**
 * A file a flag names (a CA, a key, a password, a JWKS), read at start: one that cannot be read fails
 * the start with the flag, the path and the reason (`--kafka-ssl-ca-file /etc/ca.pem: cannot read it
 * (ENOENT)`), never its content.
 */
export function readSettingFile(path: string, flag: string, code: ErrorCode): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new OdinError(code, `${flag} ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? describeError(error)})`, { flag, path });
  }
}

/** A secret kept in a file: as written, less the one trailing newline editors and `echo` add. */
export function readSecretFile(path: string, flag: string, code: ErrorCode): string {
  return readSettingFile(path, flag, code).replace(/\r?\n$/, '');
}
