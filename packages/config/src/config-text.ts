import { fileKeyOf } from './config-file.js';
import { describeSource, type EffectiveOptions } from './effective-options.js';
import { groupOf, OPTION_GROUPS } from './option-groups.js';
import { flagTextOf, formatOptionDefault, type Mode } from './option-spec.js';
import { OPTION_SPECS, type OptionSpecs } from './options.js';

/** The flags a mode reads, by group, in the table's order within each group. */
function specsByGroup(mode: Mode): Array<[string, Array<OptionSpecs[number]>]> {
  const specs = OPTION_SPECS.filter((spec) => spec.modes.includes(mode) && spec.key !== 'config');
  return OPTION_GROUPS.map((group) => [group, specs.filter((spec) => groupOf(spec.key) === group)] as [string, Array<OptionSpecs[number]>]).filter(
    ([, inGroup]) => inGroup.length > 0,
  );
}

/**
 * `odin-ws config check`: the effective configuration of a mode as a --config file would hold it,
 * each value followed by where it came from. Nothing secret is a setting (secrets come from files and
 * ODIN_KAFKA_SASL_PASSWORD), but a URL may carry credentials or a token in its query: those are
 * blanked.
 */
export function renderEffectiveConfig(effective: EffectiveOptions & { mode: Mode }, env: NodeJS.ProcessEnv): string {
  const lines = [
    `# odin-ws config check: the effective configuration of --mode=${effective.mode}; after each value, where it came from`,
    `mode: ${effective.mode}`,
  ];
  for (const [group, specs] of specsByGroup(effective.mode)) {
    lines.push('', `# ${group}`);
    for (const spec of specs) {
      const source = effective.sources.get(spec.key)!;
      const label = source.kind === 'default' && spec.defaultLabel !== undefined ? ` (${spec.defaultLabel})` : '';
      lines.push(`${fileKeyOf(spec.flag)}: ${yamlScalar(effective.values[spec.key as keyof typeof effective.values])}  # ${describeSource(source)}${label}`);
    }
  }
  if (env['ODIN_KAFKA_SASL_PASSWORD'] !== undefined) lines.push('', '# the Kafka SASL password is set in ODIN_KAFKA_SASL_PASSWORD (not shown)');
  return `${lines.join('\n')}\n`;
}

/** `odin-ws config example --mode <m>`: a file to start from, every setting of the mode commented out at its default. */
export function renderExampleConfig(mode: Mode): string {
  const lines = [
    `# odin-ws settings for --mode=${mode}: odin-ws --config <this file> (written by odin-ws config example --mode ${mode}).`,
    "# Keys are the flags' names without the dashes; docs/configuration.md has the whole story of each.",
    '# A flag or an ODIN_* variable wins over this file; a key left commented keeps its default.',
    '# Check a file, and see where each value comes from: odin-ws config check --config <this file>',
    `mode: ${mode}`,
  ];
  for (const [group, specs] of specsByGroup(mode)) {
    lines.push('', `## ${group}`);
    for (const spec of specs) {
      lines.push(...commentLines(spec.description, 100));
      const example = spec.defaultValue === '' || spec.defaultLabel !== undefined ? `  # default: ${formatOptionDefault(spec)}` : '';
      lines.push(`# ${fileKeyOf(spec.flag)}: ${yamlScalar(spec.defaultValue)}${example}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A value as a --config file would hold it: numbers bare, anything else as quoted flag text (URL credentials blanked). */
function yamlScalar(value: unknown): string {
  return typeof value === 'number' ? String(value) : JSON.stringify(redactUrls(flagTextOf(value)));
}

/** Text as `# ` comment lines of at most `width` characters (a longer word gets a line of its own). */
function commentLines(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(/\s+/)) {
    if (line.length + 1 + word.length > width && line !== '#') {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  return [...lines, line];
}

/** Credentials and query strings of URLs in a value, blanked: `wss://user:pw@h/p?token=x` -> `wss://***@h/p?***`. */
export function redactUrls(value: string): string {
  return value.replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^/?#\s,]*@)?([^?\s,#]*)(\?[^\s,#]*)?/gi, (_match, scheme, userinfo, rest, query) =>
    [scheme, userinfo ? '***@' : '', rest, query ? '?***' : ''].join(''),
  );
}
