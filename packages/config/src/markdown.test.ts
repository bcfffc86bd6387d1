import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigurationMarkdown } from './markdown.js';

describe('docs/configuration.md', () => {
  it('is exactly what the option table renders (run `pnpm docs:config` after changing a flag)', () => {
    const onDisk = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(renderConfigurationMarkdown());
  });
});
