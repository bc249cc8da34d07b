import { listSettings, shownDefault } from '../config/schema.ts';

/** `qb-agent --help`: commands, then every setting with its flag, env var and default. */
export function helpText(version: string): string {
  const lines = [
    `qb-agent ${version}: metrics agent for the quality-billing platform`,
    '',
    'Usage:',
    '  qb-agent [run] [--config PATH] [--<key> VALUE ...]   run the agent (default command)',
    '  qb-agent check-config [--config PATH] [--<key> VALUE ...]',
    '                                                       validate, print the effective config (secrets redacted); exit 0 or 2',
    '  qb-agent demo --target URL [--rate N] [--duration S] [--seed N] [--scenario normal|incident] [--token T]',
    '                                                       send a seeded demo workload to an agent (see qb-agent demo --help)',
    '  qb-agent --help | --version',
    '',
    'Precedence: flags > environment > config file (--config or QB_AGENT_CONFIG; YAML or JSON) > defaults.',
    '',
    'Settings (flag = --<key>):',
  ];
  for (const s of listSettings()) {
    const env = [s.env, ...(s.envFallbacks ?? [])].filter(Boolean).join(', ');
    lines.push(`  ${s.key}`);
    lines.push(`      ${s.doc}`);
    lines.push(`      env: ${env || '-'}   default: ${shownDefault(s.default)}`);
  }
  return `${lines.join('\n')}\n`;
}
