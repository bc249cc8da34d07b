import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_UP } from '../../src/grafana/operations.ts';
import { spawnAgent, type AgentProcess } from '../support/agent-process.ts';
import { missingTool } from '../support/tools.ts';
import { startVictoriaMetrics, type VictoriaMetrics } from '../support/victoria-metrics.ts';
import { startVmAlert, type VmAlert } from '../support/vmalert.ts';
import { eventually, postEvents } from '../support/workload.ts';
import { BATCHES, INVOICES_PER_BATCH, TOTAL_CENTS, batch } from './support/billing-workload.ts';
import { ROOT } from '../support/tools.ts';
import { RULE_FILE, alertExpressions, dashboardExpressions, panelExpr, recordingRules, substitute } from './support/generated.ts';
import { join } from 'node:path';
import { startPrometheus, type PrometheusServer, type QueryResult } from '../support/prometheus-server.ts';

/**
 * One agent, both data paths: Prometheus 3.5 scrapes it every second (pull) while
 * it pushes OTLP protobuf every second into VictoriaMetrics, where vmalert
 * evaluates the same rule file (push). After a realistic workload through
 * POST /v1/events, every expression of the generated dashboards, recording rules
 * and alerts runs against the real servers.
 */

const skip = missingTool('prometheus') ?? missingTool('victoria-metrics') ?? missingTool('vmalert');
/** Grafana's variables as a dashboard user would get them over the test's few seconds of data. */
const VARS = { range: '10m', rateInterval: '1m', interval: '15s' } as const;

let vm: VictoriaMetrics;
let vmalert: VmAlert;
let agent: AgentProcess;
let prom: PrometheusServer;
let agentAddress: string;
/** Unix seconds before the first invoice (no invoice series exist yet), and after batch k is visible on both backends. */
let beforeFirstInvoice: number;
const afterBatch: number[] = [];

type Series = Array<{ metric: Record<string, string>; value: [number, string] }>;

function resultOf(answer: QueryResult, expr: string): Series {
  if (answer.status !== 'success') throw new Error(`${answer.error}\n${expr}`);
  return answer.data!.result;
}
const finite = (s: Series) => s.filter((r) => Number.isFinite(Number(r.value[1])));
const byCurrency = (s: Series) => Object.fromEntries(s.map((r) => [r.metric.currency, Number(r.value[1])]));
/** What the exact figures read: the carried series the rules record (Prometheus itself on pull, vmalert on push). */
const EUR_TOTAL = 'sum by (currency) (service_instance_id:quality_billing_invoice_amount_cents_total:carried{currency="EUR"})';
/** The fleet-wide sum the daily and 30-day figures read (vmalert records it one evaluation after the carried series). */
const EUR_FLEET_TOTAL = 'sum by (currency) (currency:quality_billing_invoice_amount_cents_total:carried_sum{currency="EUR"})';
const EUR_FLEET_BILLED = 'sum by (currency) (currency_quality_grade:quality_billing_billed_time_seconds_total:carried_sum{currency="EUR"})';

/** VictoriaMetrics instant query at `time` (Unix seconds). */
async function vmQueryAt(promql: string, time: number): Promise<Series> {
  const res = await fetch(`${vm.url}/api/v1/query?${new URLSearchParams({ query: promql, time: time.toFixed(3) })}`);
  const body = (await res.json()) as { status: string; data: { result: Series }; error?: string };
  if (body.status !== 'success') throw new Error(`${body.error}\n${promql}`);
  return body.data.result;
}

beforeAll(async () => {
  if (skip) return;
  vm = await startVictoriaMetrics();
  vmalert = await startVmAlert({ vmUrl: vm.url, ruleFile: join(ROOT, RULE_FILE), evaluationInterval: '1s' });
  agent = await spawnAgent({ args: ['--otlp.endpoint', vm.otlpUrl, '--otlp.intervalMs', '1000', '--otlp.timeoutMs', '1000'] });
  agentAddress = new URL(agent.url).host;
  prom = await startPrometheus(agentAddress);
  // Let Prometheus take a few scrapes of the idle agent first, as in production.
  await new Promise((r) => setTimeout(r, 2000));
  beforeFirstInvoice = Date.now() / 1000;
  for (let k = 0; k < BATCHES; k++) {
    const events = batch(k);
    expect(await postEvents(agent.url, events)).toEqual({ status: 202, body: { accepted: events.length, duplicates: 0 } });
    // Wait until both backends hold this batch: from then until the next batch, the counters are known exactly.
    const eur = INVOICES_PER_BATCH[0].amount_cents * (k + 1);
    const billed = INVOICES_PER_BATCH[0].billed_hours * 3600 * (k + 1);
    const holds = async (expr: string, want: number) => byCurrency(resultOf(await prom.query(expr), expr)).EUR === want && byCurrency(await vm.query(expr)).EUR === want;
    await eventually(
      async () => ((await holds(EUR_TOTAL, eur)) && (await holds(EUR_FLEET_TOTAL, eur)) && (await holds(EUR_FLEET_BILLED, billed)) ? true : undefined),
      60_000,
      `batch ${k} on both backends`,
    );
    afterBatch.push(Date.now() / 1000);
  }
  // A client retrying a batch, and a client with a bug: duplicates and rejections show up too.
  expect(await postEvents(agent.url, batch(0))).toEqual({ status: 202, body: { accepted: 0, duplicates: batch(0).length } });
  expect((await postEvents(agent.url, [{ type: 'invoice', amount_cent: 1 }])).status).toBe(400);
  const total = `sum by (currency) (quality_billing_invoice_amount_cents_total)`;
  // Sorted: Prometheus 3 and VictoriaMetrics return the series in different orders.
  const sorted = (s: Series) => JSON.stringify(Object.entries(byCurrency(s)).sort());
  await eventually(async () => (sorted(resultOf(await prom.query(total), total)) === sorted(await vm.query(total)) && byCurrency(await vm.query(total)).EUR === TOTAL_CENTS.EUR ? true : undefined), 20_000, 'both backends to hold the final totals');
  await new Promise((r) => setTimeout(r, 1500));
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  await prom?.stop();
  await vmalert?.stop();
  await vm?.stop();
});

describe('the workload reaches both backends exactly', () => {
  it('holds the exact invoiced total per currency, in minor units, on pull and push', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const expr = 'sum by (currency) (quality_billing_invoice_amount_cents_total)';
    expect(byCurrency(resultOf(await prom.query(expr), expr))).toEqual(TOTAL_CENTS);
    expect(byCurrency(await vm.query(expr))).toEqual(TOTAL_CENTS);
  });

  it('the pull path has job/instance from the scrape; the push path has the resource attributes instead', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const pull = resultOf(await prom.query('qb_agent_build_info'), 'qb_agent_build_info');
    const push = await vm.query('qb_agent_build_info');
    expect(push.map((s) => [s.metric.job, s.metric.instance, s.metric.service_name, s.metric.otel_scope_name])).toEqual([[undefined, undefined, 'qb-agent', undefined]]);
    // The agent's identity is on both: a resource attribute on push, a constant label on pull (metrics.resourceConstantLabels).
    expect(push[0]!.metric.service_instance_id).toBeTruthy();
    expect(pull.map((s) => [s.metric.job, s.metric.instance, s.metric.service_instance_id])).toEqual([['qb-agent', agentAddress, push[0]!.metric.service_instance_id]]);
  });
});

/**
 * Minor units per major unit of the workload's currencies, and the figures a
 * billing system would give for batches j+1..k (what was invoiced after j).
 */
const DIVISOR: Readonly<Record<string, number>> = { EUR: 100, USD: 100, JPY: 1 };
function invoiced(fromBatch: number, toBatch: number) {
  const batches = toBatch - fromBatch;
  const perCurrency = (f: (inv: (typeof INVOICES_PER_BATCH)[number]) => number) => Object.fromEntries(INVOICES_PER_BATCH.map((inv) => [inv.currency, f(inv)]));
  // Same operations, in the same order, as the PromQL: counters are whole numbers, the difference is exact, then one division.
  const amount = (inv: (typeof INVOICES_PER_BATCH)[number]) => inv.amount_cents * toBatch - inv.amount_cents * fromBatch;
  const hours = (inv: (typeof INVOICES_PER_BATCH)[number]) => (inv.billed_hours * 3600 * toBatch - inv.billed_hours * 3600 * fromBatch) / 3600;
  return {
    revenue: perCurrency((inv) => amount(inv) / DIVISOR[inv.currency]!),
    invoices: perCurrency(() => batches),
    averageInvoice: perCurrency((inv) => amount(inv) / batches / DIVISOR[inv.currency]!),
    hourlyRate: perCurrency((inv) => amount(inv) / hours(inv) / DIVISOR[inv.currency]!),
  };
}

/** Runs a panel's expression with `$__range` from `from` to `to` (Unix seconds), at `to`. */
const rangeVars = (from: number, to: number) => ({ ...VARS, range: `${Math.round((to - from) * 1000)}ms` });
const backends = [
  { name: 'pull (Prometheus)', at: async (expr: string, time: number) => resultOf(await prom.query(expr, time), expr) },
  { name: 'push (VictoriaMetrics)', at: (expr: string, time: number) => vmQueryAt(expr, time) },
] as const;

describe.for(backends)('exact figures in the range, $name', (backend) => {
  const at = (dashboard: string, title: string, from: number, to: number) => backend.at(substitute(panelExpr(dashboard, title), rangeVars(from, to)), to);

  it('revenue over a range starting before the first invoice is every cent sent, per currency', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const end = afterBatch[BATCHES - 1]!;
    for (const dashboard of ['financial-analytics', 'executive-summary']) {
      expect(byCurrency(await at(dashboard, 'Revenue in range', beforeFirstInvoice, end)), dashboard).toEqual(invoiced(0, BATCHES).revenue);
    }
    expect(invoiced(0, BATCHES).revenue).toEqual({ EUR: TOTAL_CENTS.EUR! / 100, USD: TOTAL_CENTS.USD! / 100, JPY: TOTAL_CENTS.JPY });
  });

  it('the first invoice of a currency inside the range counts in full (increase() misses it)', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const end = afterBatch[0]!;
    expect(byCurrency(await at('financial-analytics', 'Revenue in range', beforeFirstInvoice, end))).toEqual(invoiced(0, 1).revenue);
    const extrapolated = `sum by (currency) (increase(quality_billing_invoice_amount_cents_total[${rangeVars(beforeFirstInvoice, end).range}]))`;
    expect(byCurrency(await backend.at(extrapolated, end)).EUR).not.toBe(INVOICES_PER_BATCH[0].amount_cents);
  });

  it('each batch inside the range adds exactly its amounts, invoices and hours', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const [from, to] = [afterBatch[1]!, afterBatch[4]!];
    const want = invoiced(2, 5);
    expect(byCurrency(await at('financial-analytics', 'Revenue in range', from, to))).toEqual(want.revenue);
    expect(byCurrency(await at('executive-summary', 'Revenue in range', from, to))).toEqual(want.revenue);
    expect(byCurrency(await at('financial-analytics', 'Invoices in range', from, to))).toEqual(want.invoices);
    expect((await at('executive-summary', 'Invoices in range', from, to)).map((r) => Number(r.value[1]))).toEqual([3 * INVOICES_PER_BATCH.length]);
    expect(byCurrency(await at('financial-analytics', 'Average invoice amount', from, to))).toEqual(want.averageInvoice);
    expect(byCurrency(await at('financial-analytics', 'Average hourly rate', from, to))).toEqual(want.hourlyRate);
    const byGrade = await at('financial-analytics', 'Revenue by quality grade', from, to);
    expect(Object.fromEntries(byGrade.map((r) => [`${r.metric.currency} ${r.metric.quality_grade}`, Number(r.value[1])]))).toEqual(
      Object.fromEntries(INVOICES_PER_BATCH.map((inv) => [`${inv.currency} ${inv.quality_grade}`, want.revenue[inv.currency]])),
    );
    expect((await at('financial-analytics', 'Counter resets in range', from, to)).map((r) => r.value[1])).toEqual(['0']);
  });

  it('daily and 30-day revenue and daily billed hours are exact', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const end = afterBatch[BATCHES - 1]!;
    const all = invoiced(0, BATCHES);
    expect(byCurrency(await at('financial-analytics', 'Daily revenue', beforeFirstInvoice, end))).toEqual(all.revenue);
    expect(byCurrency(await at('financial-analytics', 'Revenue, trailing 30 days', beforeFirstInvoice, end))).toEqual(all.revenue);
    const hours = await at('financial-analytics', 'Billed hours', beforeFirstInvoice, end);
    expect(byCurrency(hours)).toEqual(Object.fromEntries(INVOICES_PER_BATCH.map((inv) => [inv.currency, inv.billed_hours * 3600 * BATCHES])));
  });
});

describe('panels on the agent\'s own gauges', () => {
  const onBoth = async (expr: string) => [resultOf(await prom.query(expr), expr), await vm.query(expr)] as const;

  it('Agent uptime is the seconds since this agent started, on pull and push', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const started = Date.now() / 1000 - process.uptime(); // the agent started after this test process
    for (const series of await onBoth(substitute(panelExpr('operations', 'Agent uptime'), VARS))) {
      expect(series).toHaveLength(1);
      const uptime = Number(series[0]!.value[1]);
      expect(uptime).toBeGreaterThan(5);
      expect(uptime).toBeLessThan(Date.now() / 1000 - started + 5);
    }
  });

  it('Series per business metric is each metric\'s series over the agent\'s cardinality limit (2000 by default)', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const [pullLimit] = await onBoth('qb_agent_cardinality_limit');
    expect(pullLimit.map((s) => s.value[1])).toEqual(['2000']);
    const [pullSeries, pushSeries] = await onBoth('max by (metric) (qb_agent_metric_series)');
    const expected = Object.fromEntries(pullSeries.map((s) => [s.metric.metric, Number(s.value[1]) / 2000]));
    expect(Object.keys(expected).length).toBeGreaterThan(5);
    const [pull, push] = await onBoth(substitute(panelExpr('operations', 'Series per business metric, share of the limit'), VARS));
    expect(Object.fromEntries(pull.map((s) => [s.metric.metric, Number(s.value[1])]))).toEqual(expected);
    expect(Object.fromEntries(push.map((s) => [s.metric.metric, Number(s.value[1])]))).toEqual(Object.fromEntries(pushSeries.map((s) => [s.metric.metric, Number(s.value[1]) / 2000])));
  });
});

describe('Agent up panel', () => {
  it('pull: one series per agent target, value 1, not Prometheus\' own job', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const expr = substitute(AGENT_UP, VARS);
    const series = resultOf(await prom.query(expr), expr);
    expect(series.map((s) => [s.metric, s.value[1]])).toEqual([[{ job: 'qb-agent', instance: agentAddress }, '1']]);
  });

  it('push: the agent whose pushes arrive counts as up', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const series = await vm.query(substitute(AGENT_UP, VARS));
    expect(series.map((s) => s.value[1])).toEqual(['1']);
  });
});

const dashboards = dashboardExpressions();
const rules = recordingRules();
const alerts = alertExpressions();

describe('every dashboard query returns data', () => {
  it('covers every panel of the four dashboards', () => {
    expect(dashboards.length).toBeGreaterThan(50);
  });

  it.for(dashboards)('pull, job and instance "All": $source', async ({ expr }, ctx) => {
    if (skip) return ctx.skip(skip);
    const q = substitute(expr, VARS);
    expect(finite(resultOf(await prom.query(q), q)).length, q).toBeGreaterThan(0);
  });

  it.for(dashboards)('pull, this agent selected: $source', async ({ expr }, ctx) => {
    if (skip) return ctx.skip(skip);
    const q = substitute(expr, { ...VARS, job: 'qb-agent', instance: agentAddress.replaceAll('.', '\\\\.') });
    expect(finite(resultOf(await prom.query(q), q)).length, q).toBeGreaterThan(0);
  });

  it.for(dashboards)('push (VictoriaMetrics): $source', async ({ expr }, ctx) => {
    if (skip) return ctx.skip(skip);
    const q = substitute(expr, VARS);
    expect(finite(await vm.query(q)).length, q).toBeGreaterThan(0);
  });
});

describe('rules', () => {
  it.for(rules)('$source is evaluated by Prometheus and has data', async ({ record, expr }, ctx) => {
    if (skip) return ctx.skip(skip);
    expect(finite(resultOf(await prom.query(expr), expr)).length, expr).toBeGreaterThan(0);
    await eventually(async () => (resultOf(await prom.query(record), record).length > 0 ? true : undefined), 10_000, `${record} to be recorded`);
  });

  it.for(alerts)('$source parses and evaluates', async ({ expr }, ctx) => {
    if (skip) return ctx.skip(skip);
    const answer = await prom.query(expr);
    expect(answer.error).toBeUndefined();
    expect(answer.status).toBe('success');
    expect(answer.data?.resultType).toBe('vector');
  });

  it('exactly the alerts the workload provokes are true, with the values it implies', async (ctx) => {
    if (skip) return ctx.skip(skip);
    // Per batch 5 API requests: one 500 (20 % > 10 %), and one of 3.2 s, so 80 % are
    // under 2.5 s and p95 = 2.5 + (5 - 2.5) * (0.95 - 0.8) / 0.2 = 4.375 s (> 2 s).
    // Scores average 78 (>= 70), users are active, the agent is up.
    const values = await Promise.all(
      alerts.filter((a) => a.source.startsWith('Prometheus')).map(async (a) => [a.source, resultOf(await prom.query(a.expr), a.expr).map((r) => [r.metric.job, Number(r.value[1])])] as const),
    );
    const got = Object.fromEntries(values);
    expect(Object.keys(got)).toHaveLength(5);
    expect(got['Prometheus alert QualityBillingHighErrorRate']).toEqual([['qb-agent', expect.closeTo(0.2, 9)]]);
    expect(got['Prometheus alert QualityBillingHighResponseTime']).toEqual([['qb-agent', expect.closeTo(4.375, 9)]]);
    expect(got['Prometheus alert QualityBillingLowQualityScore']).toEqual([]);
    expect(got['Prometheus alert QualityBillingNoActiveUsers']).toEqual([]);
    expect(got['Prometheus alert QualityBillingSystemDown']).toEqual([]);
  });

  it('QualityBillingSystemDown is quiet on the push path too while the agent pushes (VictoriaMetrics: no job, no up)', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const systemDown = alerts.find((a) => a.source === 'Prometheus alert QualityBillingSystemDown')!.expr;
    expect(await vm.query('qb_agent_build_info')).not.toEqual([]);
    expect(await vm.query(systemDown)).toEqual([]);
  });
});
