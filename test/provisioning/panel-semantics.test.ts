import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ROOT, missingTool, toolPath } from '../support/tools.ts';
import { RULE_FILE, panelExpr, substitute } from './support/generated.ts';

/**
 * What the generated panels show in situations easier to write down than to
 * stage (restarts, moves, upgrades, lost state at minute resolution), evaluated
 * by promtool's engine (Prometheus 3.5) on hand-written series at 1m steps,
 * with the shipped rule file evaluated every minute as Prometheus would: the
 * exact figures read the carried series those rules record.
 */

const dir = mkdtempSync(join(tmpdir(), 'qb-panels-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Sample {
  labels: string;
  value: number;
}

/** Evaluates `expr` at `at` over `series` (and the rules recorded from them) and returns promtool's verdict against `expected`. */
function evaluate(series: Record<string, string>, expr: string, at: string, expected: Sample[]) {
  const file = join(dir, `t${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(
    file,
    stringify({
      rule_files: [join(ROOT, RULE_FILE)],
      evaluation_interval: '1m',
      tests: [{ interval: '1m', input_series: Object.entries(series).map(([s, values]) => ({ series: s, values })), promql_expr_test: [{ expr, eval_time: at, exp_samples: expected }] }],
    }),
  );
  const r = spawnSync(toolPath('promtool')!, ['test', 'rules', file], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

const vars = (range: string) => ({ range, rateInterval: '1m', interval: '1m' });
const REVENUE = substitute(panelExpr('financial-analytics', 'Revenue in range'), vars('30m'));
const RESETS = substitute(panelExpr('financial-analytics', 'Counter resets in range'), vars('30m'));
const amount = (labels: string) => `quality_billing_invoice_amount_cents_total{currency="EUR", quality_grade="A", ${labels}}`;
const invoices = (labels: string) => `quality_billing_invoices_total{currency="EUR", quality_grade="A", ${labels}}`;
const pulled = (instance: string, id: string) => `job="qb-agent", instance="${instance}", service_instance_id="${id}", otel_scope_name="qb-agent"`;

function expectRevenue(series: Record<string, string>, at: string, eur: number, expr = REVENUE) {
  const r = evaluate(series, expr, at, [{ labels: '{currency="EUR"}', value: eur }]);
  expect(r.output, r.output).toContain('SUCCESS');
}

describe('Revenue in range (exact), over the 30 minutes before 60m', () => {
  it('counts an agent whose series starts inside the range in full, next to one that runs throughout', (ctx) => {
    const skip = missingTool('promtool');
    if (skip) return ctx.skip(skip);
    // a: 100.00 EUR a minute all along (3000.00 in the range); b: born at 45m with 7.77 EUR, then 1.00 a minute.
    expectRevenue({ [amount(pulled('a:9464', 'a'))]: '0+10000x60', [amount(pulled('b:9464', 'b'))]: '_x45 777+100x15' }, '60m', 3000 + 7.77 + 15);
  });

  it('stays continuous when an agent moves to a new address with its state (same service_instance_id)', (ctx) => {
    const skip = missingTool('promtool');
    if (skip) return ctx.skip(skip);
    // The agent answers at a:9464 until 40m (then stale), at b:9464 from 42m on: 30 minutes of 100.00 EUR.
    expectRevenue({ [amount(pulled('a:9464', 'u1'))]: '0+10000x40 stale', [amount(pulled('b:9464', 'u1'))]: '_x42 420000+10000x18' }, '60m', 3000);
  });

  it('keeps an agent that is down at the end of the range, and one decommissioned inside it, at what they counted', (ctx) => {
    const skip = missingTool('promtool');
    if (skip) return ctx.skip(skip);
    // a: 100.00 EUR a minute, down from 55m (outage past the range end). b: 1.00 EUR a minute, gone for good after 40m.
    // In 30m..60m: a counted 25 minutes (2500.00), b 10 minutes (10.00).
    expectRevenue({ [amount(pulled('a:9464', 'a'))]: '0+10000x55 stale', [amount(pulled('b:9464', 'b'))]: '0+100x40 stale' }, '60m', 2510);
    // The same on push, where the series just end (no staleness marker) and stay visible for the 5m lookback.
    const push = (id: string) => `service_name="qb-agent", service_instance_id="${id}"`;
    expectRevenue({ [amount(push('a'))]: '0+10000x55', [amount(push('b'))]: '0+100x40' }, '60m', 2510);
  });

  it('lost state under the default instance id (a new one): exact, and no counter reset', (ctx) => {
    const skip = missingTool('promtool');
    if (skip) return ctx.skip(skip);
    // The agent loses its state dir at 45m and comes back at 46m under a new UUID, counting from zero.
    const series = {
      [amount(pulled('a:9464', 'old'))]: '0+10000x44 stale',
      [invoices(pulled('a:9464', 'old'))]: '0+1x44 stale',
      [amount(pulled('a:9464', 'new'))]: '_x46 0+10000x14',
      [invoices(pulled('a:9464', 'new'))]: '_x46 0+1x14',
    };
    expectRevenue(series, '60m', 1400 + 1400);
    expect(evaluate(series, RESETS, '60m', [{ labels: '{}', value: 0 }]).output).toContain('SUCCESS');
  });

  it('lost state under an explicitly configured instance id: drops by the total before the reset, and "Counter resets in range" shows 1', (ctx) => {
    const skip = missingTool('promtool');
    if (skip) return ctx.skip(skip);
    // 100.00 EUR a minute; at 50m the agent restarts without its state, same id, from 0.
    const series = { [amount(pulled('a:9464', 'fixed'))]: '0+10000x49 0+10000x10', [invoices(pulled('a:9464', 'fixed'))]: '0+1x49 0+1x10' };
    // Now 1000.00 (10 minutes since the reset) minus 3000.00 at the range start: -2000, not the 2900 invoiced.
    expectRevenue(series, '60m', -2000);
    expect(evaluate(series, RESETS, '60m', [{ labels: '{}', value: 1 }]).output).toContain('SUCCESS');
    const steady = { [amount(pulled('a:9464', 'fixed'))]: '0+10000x60', [invoices(pulled('a:9464', 'fixed'))]: '0+1x60' };
    expect(evaluate(steady, RESETS, '60m', [{ labels: '{}', value: 0 }]).output).toContain('SUCCESS');
  });
});

/**
 * The same counter under changed metadata labels. After an upgrade (new service_version / otel_scope_version)
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
      'job="qb-agent", instance="u1", service_instance_id="u1", service_version="1", host_name="h1", otel_scope_name="qb-agent", otel_scope_version="1"',
      'job="qb-agent", instance="u1", service_instance_id="u1", service_version="2", host_name="h2", otel_scope_name="qb-agent", otel_scope_version="2"',
      'job="qb-agent", instance="u2", service_instance_id="u2", service_version="2", host_name="h2", otel_scope_name="qb-agent", otel_scope_version="2"',
    ],
    [
      'pull',
      'job="qb-agent", instance="a:9464", service_instance_id="u1", otel_scope_name="qb-agent", otel_scope_version="1"',
      'job="qb-agent", instance="a:9464", service_instance_id="u1", otel_scope_name="qb-agent", otel_scope_version="2"',
      'job="qb-agent", instance="b:9464", service_instance_id="u2", otel_scope_name="qb-agent", otel_scope_version="2"',
    ],
  ];
  // 100.00 EUR a minute. The old version's last sample is at 40m; the new version continues from its total at 41m.
  const upgrade = (old: string, next: string) => ({ [amount(old)]: '0+10000x40', [amount(next)]: '_x41 410000+10000x40' });
  const at = (range: string) => substitute(panelExpr('financial-analytics', 'Revenue in range'), vars(range));

  it.for(shapes)('%s: an upgrade overlapping the range end counts what was invoiced, once', ([, old, next], ctx) => {
    const skip = missingTool('promtool');
    if (skip) return ctx.skip(skip);
    // At 43m both versions are visible: 13m..43m holds 30 minutes of 100.00 EUR, not the two totals added up.
    expectRevenue(upgrade(old, next), '43m', 3000, at('30m'));
  });

  it.for(shapes)('%s: an upgrade overlapping the range start counts what was invoiced, once', ([, old, next], ctx) => {
    const skip = missingTool('promtool');
    if (skip) return ctx.skip(skip);
    // The range 42m..70m starts while both versions are visible and ends with the new one alone.
    expectRevenue(upgrade(old, next), '70m', 2800, at('28m'));
  });

  it.for(shapes)('%s: a second agent (another instance) on another version and host still counts in full', ([, old, , other], ctx) => {
    const skip = missingTool('promtool');
    if (skip) return ctx.skip(skip);
    // The first agent: 100.00 EUR a minute throughout; the second, born at 35m with 7.77 EUR, then 1.00 EUR a minute.
    expectRevenue({ [amount(old)]: '0+10000x60', [amount(other)]: '_x35 777+100x25' }, '43m', 3000 + 7.77 + 8, at('30m'));
  });
});

describe('Re-assessments improved', () => {
  // 10 re-assessments a minute, 4 of them not better (the le="0" bucket): 60 % improved.
  const improvement = (le: string) => ({
    [`quality_billing_quality_improvement_points_bucket{task_type="labeling", le="${le}", ${pulled('a:9464', 'a')}}`]: '0+4x30',
    [`quality_billing_quality_improvement_points_count{task_type="labeling", ${pulled('a:9464', 'a')}}`]: '0+10x30',
  });
  const IMPROVED = substitute(panelExpr('quality-analytics', 'Re-assessments improved'), vars('10m'));
  it.for([
    ['Prometheus 3 (le="0.0")', '0.0'],
    ['Prometheus 2 and VictoriaMetrics (le="0")', '0'],
  ])('reads the zero bucket as %s stores it', ([, le], ctx) => {
    const skip = missingTool('promtool');
    if (skip) return ctx.skip(skip);
    const r = evaluate(improvement(le!), IMPROVED, '30m', [{ labels: '{}', value: 0.6 }]);
    expect(r.output, r.output).toContain('SUCCESS');
  });
});

describe('Agent up', () => {
  const AGENT_UP = substitute(panelExpr('operations', 'Agent up'), vars('1h'));
  const pullInfo = 'qb_agent_build_info{job="qb-agent", instance="a:9464", service_instance_id="u1", version="0.1.0"}';
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
