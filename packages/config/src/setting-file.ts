import { readFileSync, statSync } from 'node:fs';
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

/**
 * A secret kept in a file: as written, less the one trailing newline editors and `echo` add. A file
 * others may write is refused (whoever can change the secret can read what it protects, or swap
 * in their own); one everyone may read is taken with a warning (`warn`; default: a process warning).
 */
export function readSecretFile(path: string, flag: string, code: ErrorCode, warn: (message: string) => void = warnOnce): string {
  const mode = modeOf(path);
  if (mode !== undefined && (mode & 0o022) !== 0) {
    throw new OdinError(code, `${flag} ${path}: group or others may write it (mode ${octal(mode)}); chmod 600 (or 640) it`, { flag, path, mode: octal(mode) });
  }
  if (mode !== undefined && (mode & 0o004) !== 0) warn(`${flag} ${path}: everyone on this machine may read it (mode ${octal(mode)}); chmod 600 (or 640) it`);
  return readSettingFile(path, flag, code).replace(/\r?\n$/, '');
}

/** The permission bits, or undefined where the file cannot be looked at (readSettingFile then says why). */
function modeOf(path: string): number | undefined {
  try {
    return statSync(path).mode & 0o777;
  } catch {
    return undefined;
  }
}

const octal = (mode: number) => `0${mode.toString(8).padStart(3, '0')}`;

function warnOnce(message: string): void {
  process.emitWarning(message, { code: 'ODIN_SECRET_FILE_MODE' });
}
