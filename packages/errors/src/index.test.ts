import { describe, expect, it } from 'vitest';
import { describeError, ErrorCode, isOdinError, OdinError } from './index.js';

describe('OdinError', () => {
  it('carries a code, the offending value and a cause', () => {
    const cause = new Error('root');
    const error = new OdinError(ErrorCode.INVALID_OPTION_VALUE, 'port must be 1-65535', { value: 70000 }, { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('E_INVALID_OPTION_VALUE');
    expect(error.details).toEqual({ value: 70000 });
    expect(error.cause).toBe(cause);
    expect(isOdinError(error, 'E_INVALID_OPTION_VALUE')).toBe(true);
    expect(isOdinError(error, 'E_LISTEN_FAILED')).toBe(false);
    expect(isOdinError(new Error('x'))).toBe(false);
  });

  it('describes anything thrown', () => {
    expect(describeError(new Error('boom'))).toBe('boom');
    expect(describeError('text')).toBe('text');
  });
});

describe('ErrorCode', () => {
  it('gives every code the one prefix and a distinct value', () => {
    const codes = Object.values(ErrorCode);
    for (const code of codes) expect(code).toMatch(/^E_[A-Z][A-Z_]*[A-Z]$/);
    expect(new Set(codes).size).toBe(codes.length);
  });
});
