import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { RULE_FILE, readYaml } from '../../provisioning/support/generated.ts';

/**
 * The shipped rule file with every duration divided by TIME_SCALE: range
 * windows (`[2m]` → `[6s]`, the carry window `[1h]` → `[180s]`) and each
 * alert's `for`. A fleet script of minutes then shows what hours would: an
 * agent down for "2 minutes" is down for 6 s, a pushing agent is forgotten
 * 3 minutes (not an hour) after its last report. What the exact figures show
 * does not depend on any of these durations, only on the carry window
 * outlasting rule-evaluation gaps (it does: rules run every second here).
 * promtool's unit tests check the unscaled file at the real durations.
 */
export const TIME_SCALE = 20;

const SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };

/** A Prometheus duration divided by TIME_SCALE, in whole seconds. */
export function scaled(duration: string): string {
  const m = /^(\d+)([smhd])$/.exec(duration);
  if (!m) throw new Error(`cannot scale duration ${duration}`);
  const seconds = (Number(m[1]) * SECONDS[m[2]!]!) / TIME_SCALE;
  if (!Number.isInteger(seconds) || seconds < 1) throw new Error(`${duration} / ${TIME_SCALE} is not a whole number of seconds`);
  return `${seconds}s`;
}

interface RuleFile {
  groups: Array<{ name: string; rules: Array<{ expr: string; for?: string; [k: string]: unknown }> }>;
}

/** Writes the scaled copy into `dir` and returns its path. */
export function scaledRuleFile(dir: string): string {
  const file = readYaml<RuleFile>(RULE_FILE);
  for (const group of file.groups) {
    for (const rule of group.rules) {
      rule.expr = rule.expr.replaceAll(/\[(\d+[smhd])\]/g, (_, d: string) => `[${scaled(d)}]`);
      if (rule.for) rule.for = scaled(rule.for);
    }
  }
  const path = join(dir, 'quality-billing.rules.yml');
  writeFileSync(path, stringify(file, { lineWidth: 0 }));
  return path;
}
