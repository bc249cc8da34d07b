import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_UP } from '../../src/grafana/operations.ts';
import { spawnAgent, type AgentProcess } from '../support/agent-process.ts';
import { missingTool } from '../support/tools.ts';
import { startVictoriaMetrics, type VictoriaMetrics } from '../support/victoria-metrics.ts';
import { eventually, postEvents } from '../support/workload.ts';
import { BATCHES, TOTAL_CENTS, batch } from './support/billing-workload.ts';
import { alertExpressions, dashboardExpressions, recordingRules, substitute } from './support/generated.ts';
import { startPrometheus, type PrometheusServer, type QueryResult } from './support/prometheus-server.ts';

/**
 * One agent, both data paths: Prometheus scrapes it every second (pull) while it
 * pushes OTLP protobuf every second into VictoriaMetrics (push). After a
 * realistic workload through POST /v1/events, every expression of the generated
 * dashboards, recording rules and alerts runs against the real servers.
 */

const skip = missingTool('prometheus') ?? missingTool('victoria-metrics');
/** Grafana's variables as a dashboard user would get them over the test's few seconds of data. */
const VARS = { range: '10m', rateInterval: '1m', interval: '15s' } as const;

let vm: VictoriaMetrics;
let agent: AgentProcess;
let prom: PrometheusServer;
let agentAddress: string;

type Series = Array<{ metric: Record<string, string>; value: [number, string] }>;

function resultOf(answer: QueryResult, expr: string): Series {
  if (answer.status !== 'success') throw new Error(`${answer.error}\n${expr}`);
  return answer.data!.result;
}
const finite = (s: Series) => s.filter((r) => Number.isFinite(Number(r.value[1])));
const byCurrency = (s: Series) => Object.fromEntries(s.map((r) => [r.metric.currency, Number(r.value[1])]));

beforeAll(async () => {
  if (skip) return;
  vm = await startVictoriaMetrics();
  agent = await spawnAgent({ args: ['--otlp.endpoint', vm.otlpUrl, '--otlp.intervalMs', '1000', '--otlp.timeoutMs', '1000'] });
  agentAddress = new URL(agent.url).host;
  prom = await startPrometheus(agentAddress);
  // Let Prometheus take a few scrapes of the idle agent first, as in production.
  await new Promise((r) => setTimeout(r, 2000));
  for (let k = 0; k < BATCHES; k++) {
    const events = batch(k);
    expect(await postEvents(agent.url, events)).toEqual({ status: 202, body: { accepted: events.length, duplicates: 0 } });
    await new Promise((r) => setTimeout(r, 1000));
  }
  // A client retrying a batch, and a client with a bug: duplicates and rejections show up too.
  expect(await postEvents(agent.url, batch(0))).toEqual({ status: 202, body: { accepted: 0, duplicates: batch(0).length } });
  expect((await postEvents(agent.url, [{ type: 'invoice', amount_cent: 1 }])).status).toBe(400);
  const total = `sum by (currency) (quality_billing_invoice_amount_cents_total)`;
  await eventually(async () => (JSON.stringify(byCurrency(resultOf(await prom.query(total), total))) === JSON.stringify(byCurrency(await vm.query(total))) && byCurrency(await vm.query(total)).EUR === TOTAL_CENTS.EUR ? true : undefined), 20_000, 'both backends to hold the final totals');
  await new Promise((r) => setTimeout(r, 1500));
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  await prom?.stop();
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
    expect(pull.map((s) => [s.metric.job, s.metric.instance, s.metric.service_instance_id])).toEqual([['qb-agent', agentAddress, undefined]]);
    const push = await vm.query('qb_agent_build_info');
    expect(push.map((s) => [s.metric.job, s.metric.instance, s.metric.service_name, s.metric.otel_scope_name])).toEqual([[undefined, undefined, 'qb-agent', undefined]]);
    expect(push[0]!.metric.service_instance_id).toBeTruthy();
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
});
