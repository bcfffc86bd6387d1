// Writes docs/configuration.md from the option table in packages/config (run after `pnpm build`).
import { writeFileSync } from 'node:fs';
import { renderConfigurationMarkdown } from '@odin-ws/config';

writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderConfigurationMarkdown());
console.log('wrote docs/configuration.md');
