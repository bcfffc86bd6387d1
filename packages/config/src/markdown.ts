import { formatOptionDefault, OPTION_SPECS, type OptionSpec } from './options.js';

/** docs/configuration.md, rendered from OPTION_SPECS (scripts/gen-config-docs.mjs writes it). */
export function renderConfigurationMarkdown(): string {
  const rows = OPTION_SPECS.map(
    (spec) => `| \`${spec.flag}\` | \`${spec.env}\` | ${formatDefault(spec)} | ${spec.modes.join(', ')} | ${escapeCell(spec.description)} |`,
  );
  return [
    '# Configuration reference',
    '',
    '<!-- Generated from packages/config/src/options.ts by `pnpm docs:config`; a test fails when this file drifts. -->',
    '',
    'Every flag of `odin-ws` can also be set by its environment variable; a flag given on the command line wins.',
    '`--mode` (`ODIN_MODE`) is required: `shard`, `loadbalancer`, `feed` or `local`. A bad value exits with status 1 and one line naming the flag (or variable) and what was expected.',
    '',
    '| flag | environment | default | modes | meaning |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

function formatDefault(spec: OptionSpec): string {
  return spec.defaultValue === '' && spec.defaultLabel === undefined ? '(derived)' : `\`${formatOptionDefault(spec)}\``;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
