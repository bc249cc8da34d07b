import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, missingTool, toolPath } from '../support/tools.ts';

function promtool(args: string[], cwd = ROOT) {
  const r = spawnSync(toolPath('promtool')!, args, { cwd, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('promtool', () => {
  it('check rules passes on the rule file', (ctx) => {
    const skip = missingTool('promtool');
    if (skip) return ctx.skip(skip);
    const r = promtool(['check', 'rules', 'prometheus/rules/quality-billing.rules.yml']);
    expect(r.output).toContain('SUCCESS: 28 rules found');
    expect(r.status).toBe(0);
  });

  it('check config passes on prometheus.yml (and the rule file it loads)', (ctx) => {
    const skip = missingTool('promtool');
    if (skip) return ctx.skip(skip);
    const r = promtool(['check', 'config', 'prometheus/prometheus.yml']);
    expect(r.output).toContain('SUCCESS: 1 rule files found');
    expect(r.status).toBe(0);
  });

  it('test rules passes: every alert fires and stays quiet where it should, recording rules give exact values', (ctx) => {
    const skip = missingTool('promtool');
    if (skip) return ctx.skip(skip);
    const r = promtool(['test', 'rules', 'quality-billing.rules.test.yml'], join(ROOT, 'prometheus', 'rules'));
    expect(r.output).toContain('SUCCESS');
    expect(r.output).not.toContain('FAILED');
    expect(r.status).toBe(0);
  });
});
