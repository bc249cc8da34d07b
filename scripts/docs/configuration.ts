import { listSettings, shownDefault, type SettingEntry } from '../../src/config/schema.ts';

function formatOf(s: SettingEntry): string {
  if (s.format === String) return 'string';
  if (Array.isArray(s.format)) return s.format.map((v) => `\`${v}\``).join(' \\| ');
  return String(s.format);
}

/** docs/configuration.md: every setting with its flag, environment variables, default and meaning. */
export function configurationMarkdown(): string {
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Generated from src/config/schema.ts by `npm run docs:build`; test/docs/drift.test.ts fails when this file is stale. -->',
    '',
    'Precedence: command-line flags > environment variables > config file (`--config PATH` or `QB_AGENT_CONFIG`, YAML or JSON) > defaults.',
    'Every key is also a flag: `--http.port 9000` or `--http.port=9000`. `qb-agent check-config` validates a configuration and prints the',
    'effective values with secrets redacted; any invalid value makes the agent exit with status 2 and a message naming the key, the value and its source.',
    '',
    '| key | environment | default | format | meaning |',
    '|---|---|---|---|---|',
  ];
  for (const s of listSettings()) {
    const env = [s.env, ...(s.envFallbacks ?? [])].filter(Boolean).map((e) => `\`${e}\``).join(', then ');
    lines.push(`| \`${s.key}\` | ${env || '—'} | \`${shownDefault(s.default)}\` | ${formatOf(s)} | ${s.doc.replace(/\|/g, '\\|')}${s.sensitive ? ' *(secret: redacted)*' : ''} |`);
  }
  lines.push('', '`otlp.endpoint` also reads `OTEL_EXPORTER_OTLP_ENDPOINT` (with `/v1/metrics` appended) when `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` is unset, as the OTLP exporter specification says.', '');
  return lines.join('\n');
}

/** config/default.yaml: every key with its default, each preceded by its documentation as a comment. */
export function defaultYaml(): string {
  const lines = [
    '# qb-agent configuration: every setting with its default.',
    '# Generated from src/config/schema.ts by `npm run docs:build` (drift-tested).',
    '# Use it as a starting point: `qb-agent --config config/default.yaml`.',
  ];
  let open: string[] = [];
  for (const s of listSettings()) {
    const parts = s.key.split('.');
    const groups = parts.slice(0, -1);
    const name = parts.at(-1)!;
    // Open the groups this key needs that are not open yet (a blank line before each section).
    let common = 0;
    while (common < open.length && common < groups.length && open[common] === groups[common]) common++;
    for (let depth = common; depth < groups.length; depth++) {
      if (depth === 0) lines.push('');
      lines.push(`${'  '.repeat(depth)}${groups[depth]}:`);
    }
    open = groups;
    const indent = '  '.repeat(groups.length);
    const env = [s.env, ...(s.envFallbacks ?? [])].filter(Boolean).join(', ');
    for (const l of wrap(s.doc, 88 - indent.length)) lines.push(`${indent}# ${l}`);
    if (env) lines.push(`${indent}# env: ${env}`);
    lines.push(`${indent}${name}: ${yamlValue(s.default)}`);
  }
  return `${lines.join('\n')}\n`;
}

function yamlValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > width) {
      out.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) out.push(line);
  return out;
}
