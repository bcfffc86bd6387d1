import { describe, expect, it } from 'vitest';
import { describeError, isOdinError, OdinError } from './index.js';

describe('OdinError', () => {
  it('carries a code, the offending value and a cause', () => {
    const cause = new Error('root');
    const error = new OdinError('E_BAD_PORT', 'port must be 1-65535', { value: 70000 }, { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('E_BAD_PORT');
    expect(error.details).toEqual({ value: 70000 });
    expect(error.cause).toBe(cause);
    expect(isOdinError(error, 'E_BAD_PORT')).toBe(true);
    expect(isOdinError(error, 'E_OTHER')).toBe(false);
    expect(isOdinError(new Error('x'))).toBe(false);
  });

  it('describes anything thrown', () => {
    expect(describeError(new Error('boom'))).toBe('boom');
    expect(describeError('text')).toBe('text');
  });
});
