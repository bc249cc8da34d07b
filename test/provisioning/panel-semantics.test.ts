import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { missingTool, toolPath } from '../support/tools.ts';
import { panelExpr, substitute } from './support/generated.ts';

/**
 * What the generated panels show in situations the end-to-end test cannot stage
 * in a few seconds (restarts, replaced agents, silent agents), evaluated by
 * promtool's PromQL engine (Prometheus 2.42) on hand-written series at 1m steps.
 */

const dir = mkdtempSync(join(tmpdir(), 'qb-panels-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Sample {
  labels: string;
  value: number;
}

/** Evaluates `expr` at `at` over `series` and returns promtool's verdict against `expected`. */
function evaluate(series: Record<string, string>, expr: string, at: string, expected: Sample[]) {
  const file = join(dir, `t${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(
    file,
    stringify({
      rule_files: [],
      evaluation_interval: '1m',
      tests: [{ interval: '1m', input_series: Object.entries(series).map(([s, values]) => ({ series: s, values })), promql_expr_test: [{ expr, eval_time: at, exp_samples: expected }] }],
    }),
  );
  const r = spawnSync(toolPath('promtool')!, ['test', 'rules', file], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

const REVENUE = substitute(panelExpr('financial-analytics', 'Revenue in range'), { range: '30m', rateInterval: '1m', interval: '1m' });
const RESETS = substitute(panelExpr('financial-analytics', 'Counter resets in range'), { range: '30m', rateInterval: '1m', interval: '1m' });
const amount = (labels: string) => `quality_billing_invoice_amount_cents_total{currency="EUR", quality_grade="A", ${labels}}`;

describe('Revenue in range (exact), over the 30 minutes before 60m', () => {
  it('counts an agent whose series starts inside the range in full, next to one that runs throughout', (ctx) => {
    const skip = missingTool('promtool');
    if (skip) return ctx.skip(skip);
    // a: 100.00 EUR a minute all along (3000.00 in the range); b: born at 45m with 7.77 EUR, then 1.00 a minute.
    const r = evaluate({ [amount('instance="a"')]: '0+10000x60', [amount('instance="b"')]: '_x45 777+100x15' }, REVENUE, '60m', [{ labels: '{currency="EUR"}', value: 3000 + 7.77 + 15 }]);
    expect(r.output).toContain('SUCCESS');
  });

  it('stays continuous when an agent is replaced by a new instance that restored its durable state', (ctx) => {
    const skip = missingTool('promtool');
    if (skip) return ctx.skip(skip);
    // Instance a stops at 40m (stale), b carries on from a's totals: the range holds 30 minutes of 100.00 EUR.
    const r = evaluate({ [amount('instance="a"')]: '0+10000x40 stale', [amount('instance="b"')]: '_x41 410000+10000x19' }, REVENUE, '60m', [{ labels: '{currency="EUR"}', value: 3000 }]);
    expect(r.output).toContain('SUCCESS');
  });

  it('drops by what the agent had counted when it restarts without durable state, and "Counter resets in range" shows it', (ctx) => {
    const skip = missingTool('promtool');
    if (skip) return ctx.skip(skip);
    // 100.00 EUR a minute; a restart at 50m without durable state starts again from 0.
    const series = { [amount('instance="a"')]: '0+10000x49 0+10000x10' };
    // Now 1000.00 (10 minutes since the restart) minus 3000.00 at the range start: -2000, not the 2900 invoiced.
    expect(evaluate(series, REVENUE, '60m', [{ labels: '{currency="EUR"}', value: -2000 }]).output).toContain('SUCCESS');
    expect(evaluate(series, RESETS, '60m', [{ labels: '{}', value: 1 }]).output).toContain('SUCCESS');
    expect(evaluate({ [amount('instance="a"')]: '0+10000x60' }, RESETS, '60m', [{ labels: '{}', value: 0 }]).output).toContain('SUCCESS');
  });
});

/**
 * The same counter under changed identity labels. After an upgrade (new service_version / otel_scope_version)
 * or a restart on another host name, the agent carries on its durable totals under a new label set while the
 * old series stays visible for the backend's lookback (5 minutes here, as in Prometheus and VictoriaMetrics;
 * 90 s through the Collector's metric_expiration). Each label shape is one data path.
 */
describe('Revenue in range (exact) during a series overlap', () => {
  const shapes: Array<[path: string, old: string, next: string, other: string]> = [
    [
      'direct push',
      'service_name="qb-agent", service_instance_id="u1", service_version="1", host_name="h1"',
      'service_name="qb-agent", service_instance_id="u1", service_version="2", host_name="h2"',
      'service_name="qb-agent", service_instance_id="u2", service_version="2", host_name="h2"',
    ],
    [
      'push through the Collector',
      'job="qb-agent", instance="u1", service_version="1", host_name="h1", otel_scope_name="qb-agent", otel_scope_version="1"',
      'job="qb-agent", instance="u1", service_version="2", host_name="h2", otel_scope_name="qb-agent", otel_scope_version="2"',
      'job="qb-agent", instance="u2", service_version="2", host_name="h2", otel_scope_name="qb-agent", otel_scope_version="2"',
    ],
    [
      'pull',
      'job="qb-agent", instance="a:9464", otel_scope_name="qb-agent", otel_scope_version="1"',
      'job="qb-agent", instance="a:9464", otel_scope_name="qb-agent", otel_scope_version="2"',
      'job="qb-agent", instance="b:9464", otel_scope_name="qb-agent", otel_scope_version="2"',
    ],
  ];
  // 100.00 EUR a minute. The old version's last sample is at 40m; the new version continues from its total at 41m.
  const upgrade = (old: string, next: string) => ({ [amount(old)]: '0+10000x40', [amount(next)]: '_x41 410000+10000x40' });
  const at = (range: string) => substitute(panelExpr('financial-analytics', 'Revenue in range'), { range, rateInterval: '1m', interval: '1m' });

  it.for(shapes)('%s: an upgrade overlapping the range end counts what was invoiced, once', ([, old, next], ctx) => {
    const skip = missingTool('promtool');
    if (skip) return ctx.skip(skip);
    // At 43m both versions are visible: 13m..43m holds 30 minutes of 100.00 EUR, not the two totals added up.
    const r = evaluate(upgrade(old, next), at('30m'), '43m', [{ labels: '{currency="EUR"}', value: 3000 }]);
    expect(r.output, r.output).toContain('SUCCESS');
  });

  it.for(shapes)('%s: an upgrade overlapping the range start counts what was invoiced, once', ([, old, next], ctx) => {
    const skip = missingTool('promtool');
    if (skip) return ctx.skip(skip);
    // The range 42m..70m starts while both versions are visible and ends with the new one alone.
    const r = evaluate(upgrade(old, next), at('28m'), '70m', [{ labels: '{currency="EUR"}', value: 2800 }]);
    expect(r.output, r.output).toContain('SUCCESS');
  });

  it.for(shapes)('%s: a second agent (another instance) on another version and host still counts in full', ([, old, , other], ctx) => {
    const skip = missingTool('promtool');
    if (skip) return ctx.skip(skip);
    // The first agent: 100.00 EUR a minute throughout; the second, born at 35m with 7.77 EUR, then 1.00 EUR a minute.
    const series = { [amount(old)]: '0+10000x60', [amount(other)]: '_x35 777+100x25' };
    const r = evaluate(series, at('30m'), '43m', [{ labels: '{currency="EUR"}', value: 3000 + 7.77 + 8 }]);
    expect(r.output, r.output).toContain('SUCCESS');
  });
});

describe('Agent up', () => {
  const AGENT_UP = substitute(panelExpr('operations', 'Agent up'), { range: '1h', rateInterval: '1m', interval: '1m' });
  const pullInfo = 'qb_agent_build_info{job="qb-agent", instance="a:9464", version="0.1.0"}';
  const pushInfo = 'qb_agent_build_info{service_name="qb-agent", service_instance_id="h:9464", version="0.1.0"}';

  const cases: Array<[name: string, series: Record<string, string>, labels: string, value: number]> = [
    ['pull, scraped', { 'up{job="qb-agent", instance="a:9464"}': '1x30', [pullInfo]: '1x30' }, '{instance="a:9464", job="qb-agent"}', 1],
    ['pull, scrape failing', { 'up{job="qb-agent", instance="a:9464"}': '1x10 0x20', [pullInfo]: '1x10 stale' }, '{instance="a:9464", job="qb-agent"}', 0],
    ['push, pushes arriving', { [pushInfo]: '1x30' }, '{service_instance_id="h:9464"}', 1],
    ['push, silent for 5 minutes', { [pushInfo]: '1x25' }, '{service_instance_id="h:9464"}', 0],
  ];
  it.for(cases)('%s', ([, series, labels, value], ctx) => {
    const skip = missingTool('promtool');
    if (skip) return ctx.skip(skip);
    const r = evaluate(series, AGENT_UP, '30m', [{ labels, value }]);
    expect(r.output, r.output).toContain('SUCCESS');
  });
});
