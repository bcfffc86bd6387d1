import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

const loadedModules = () => Object.keys(createRequire(import.meta.url).cache);

describe('createLogger', () => {
  it('writes JSON for services without loading pino-pretty, and loads it only for a terminal', () => {
    createLogger({ level: 'silent', base: {}, readable: false });
    expect(loadedModules().filter((path) => path.includes('pino-pretty'))).toEqual([]);
    createLogger({ level: 'silent', base: {}, readable: true });
    expect(loadedModules().some((path) => path.includes('/pino-pretty/'))).toBe(true);
  });
});
