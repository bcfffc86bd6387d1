import { groupOf, OPTION_GROUPS } from './option-groups.js';
import { formatOptionDefault, OPTION_SPECS, type OptionSpec } from './options.js';

/** docs/configuration.md, rendered from OPTION_SPECS (scripts/gen-config-docs.mjs writes it). */
export function renderConfigurationMarkdown(): string {
  const sections = OPTION_GROUPS.flatMap((group) => {
    const specs = OPTION_SPECS.filter((spec) => groupOf(spec.key) === group);
    return [
      `## ${group}`,
      '',
      '| flag | environment | default | modes | meaning |',
      '| --- | --- | --- | --- | --- |',
      ...specs.map((spec) => `| \`${spec.flag}\` | \`${spec.env}\` | ${formatDefault(spec)} | ${spec.modes.join(', ')} | ${escapeCell(spec.description)} |`),
      '',
    ];
  });
  return [
    '# Configuration reference',
    '',
    '<!-- Generated from packages/config/src/options.ts by `pnpm docs:config`; a test fails when this file drifts. -->',
    '',
    '`--mode` (`ODIN_MODE`) says what to run: `shard`, `loadbalancer`, `feed` or `local`. Every other setting can be given three ways;',
    'where more than one is, the first of these wins:',
    '',
    '1. a flag on the command line (`--max-connections=20000`);',
    '2. its environment variable (`ODIN_MAX_CONNECTIONS=20000`), listed beside each flag below;',
    '3. a key of the `--config` file (`max-connections: 20000`);',
    '4. otherwise the default.',
    '',
    '`odin-ws --mode=<mode> --help` lists the flags of one mode, one line each; this page has the whole story of each.',
    '',
    '## Config file',
    '',
    "`--config <file>` (`ODIN_CONFIG`) reads settings from a YAML or JSON file. Its keys are the flags' names without the dashes,",
    'plus `mode`; a list may be written as a YAML list, and `--channel-map` as a map:',
    '',
    '```yaml',
    'mode: shard',
    'port: 3002',
    'topics: [odin.trades, odin.tickers, odin.orderbooks]',
    'channel-map:',
    '  odin.trades: trade',
    '  odin.tickers: ticker',
    '  odin.orderbooks: book',
    'max-connections: 15000',
    '```',
    '',
    'Each value goes through the same check as its flag. An unknown key is refused (its value is never printed: a misplaced',
    'secret stays out of logs), and so are YAML aliases and a key given twice. Secrets are not settings: they stay in the',
    'files the settings name and in `ODIN_KAFKA_SASL_PASSWORD`.',
    '',
    '- `odin-ws config check [--config <file>] [flags]` checks what a start with the same arguments and environment would use,',
    '  starts nothing, and prints the effective configuration of the mode, each value followed by where it came from',
    '  (`# flag`, `# env ODIN_PORT`, `# file shard.yaml`, `# default`); credentials and query strings of URLs are blanked.',
    '  It also checks that every file a setting names can be read.',
    '- `odin-ws config example --mode <mode>` prints a file with every setting of the mode, commented out at its default.',
    '  `examples/shard.yaml` and `examples/loadbalancer.yaml` are smaller files to start from.',
    '',
    '## Exit codes',
    '',
    '| status | meaning | a supervisor should |',
    '| --- | --- | --- |',
    '| 0 | stopped as asked (a drain finished), or `--help`, `--version`, `config` answered | |',
    '| 1 | a run-time failure: a port in use, Kafka unreachable at start, a drain that failed | restart it |',
    '| 64 | a usage error (`E_USAGE`): an unknown flag or command, no `--mode` | not restart it: the same start fails the same way |',
    '| 78 | a configuration error (`E_INVALID_OPTION_VALUE`, `E_CONFIG_FILE`, `E_KAFKA_CONFIG`, `E_AUTH_CONFIG`, `E_SHARD_LIST_FILE`): one line names the setting, the value and the rule | not restart it |',
    '',
    'The systemd units in `infra/gcp/systemd` say `RestartPreventExitStatus=64 78`. `--help`, `--version` and `config` answer on any',
    'Node; running a tier needs the supported one (docs/deploy.md#runtime).',
    '',
    ...sections,
  ].join('\n');
}

function formatDefault(spec: OptionSpec): string {
  return spec.defaultValue === '' && spec.defaultLabel === undefined ? '(derived)' : `\`${formatOptionDefault(spec)}\``;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
