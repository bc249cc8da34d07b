import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnAgent, type AgentProcess } from '../support/agent-process.ts';
import { missingGoTool } from '../support/go-tools.ts';
import type { Prometheus, Vector } from '../support/prometheus.ts';
import { startTcpBalancer, type TcpBalancer } from '../support/tcp-balancer.ts';
import { missingTool } from '../support/tools.ts';
import { eventually, postEvents } from '../support/workload.ts';
import { BATCHES, TOTAL_CENTS, batch } from '../provisioning/support/billing-workload.ts';
import { dashboardExpressions, substitute } from '../provisioning/support/generated.ts';
import { compareWithAgent } from './support/equality.ts';
import { COLLECTOR_ADDS, SCOPE_LABELS, STORE_ONLY } from './support/labels.ts';
import { pushArgs, startScrapedCollector, usePathParts } from './support/path.ts';

/**
 * The push path as shipped: agent → OTLP/HTTP protobuf, gzip → the Collector
 * running otel-collector/config.yaml → its prometheus exporter, scraped by
 * Prometheus 3.5 with deploy/compose/prometheus-push.yml (the compose push mode).
 * A loopback TCP hop in front of the Collector shows what went over the wire.
 */

const skip = missingGoTool('otelcol') ?? missingTool('prometheus');
const VARS = { range: '10m', rateInterval: '1m', interval: '15s' } as const;

const parts = usePathParts();
let wire: TcpBalancer | undefined;
let prom: Prometheus;
let agent: AgentProcess;
const requestHeads: string[] = [];

const byCurrency = (v: Vector) => Object.fromEntries(v.map((r) => [r.metric.currency, Number(r.value[1])]).sort(([a], [b]) => String(a).localeCompare(String(b))));
const EXPECTED_CENTS = JSON.stringify(Object.fromEntries(Object.entries(TOTAL_CENTS).sort(([a], [b]) => a.localeCompare(b))));

beforeAll(async () => {
  if (skip) return;
  ({ prom } = await startScrapedCollector(parts));
  const receiver = new URL(parts.collector!.otlpUrl);
  wire = await startTcpBalancer({ backends: [receiver.host], tap: (chunk) => requestHeads.push(chunk.subarray(0, 1024).toString('latin1')) });
  agent = parts.agent = await spawnAgent({ args: pushArgs(`http://${wire.address}${receiver.pathname}`) });
  // One batch at a time, each seen in Prometheus before the next: the counters rise within
  // the dashboards' windows, as they do in production (rates and ratios need that).
  const total = 'sum by (currency) (quality_billing_invoice_amount_cents_total)';
  const eurAfter = (k: number) => (TOTAL_CENTS.EUR! / BATCHES) * (k + 1);
  for (let k = 0; k < BATCHES; k++) {
    const events = batch(k);
    expect(await postEvents(agent.url, events)).toEqual({ status: 202, body: { accepted: events.length, duplicates: 0 } });
    await eventually(async () => (byCurrency(await prom.query(total)).EUR === eurAfter(k) ? true : undefined), 30_000, `batch ${k} in Prometheus`);
  }
  expect(JSON.stringify(byCurrency(await prom.query(total)))).toBe(EXPECTED_CENTS);
}, 120_000);

afterAll(async () => {
  await wire?.close();
});

describe.skipIf(skip)('agent → Collector (shipped config) → Prometheus 3.5', () => {
  it('pushes OTLP protobuf with gzip to the Collector', () => {
    const posts = requestHeads.filter((h) => h.startsWith('POST '));
    expect(posts.length).toBeGreaterThan(0);
    for (const head of posts) {
      expect(head).toMatch(/^POST \/v1\/metrics HTTP\/1\.1\r\n/);
      expect(head.toLowerCase()).toContain('content-type: application/x-protobuf\r\n');
      expect(head.toLowerCase()).toContain('content-encoding: gzip\r\n');
    }
  });

  it('holds every business and ingest series of the agent\'s /metrics, same name, labels and value', async () => {
    const { expected, stored } = await compareWithAgent({ agentUrl: agent.url, query: (q) => prom.query(q), agentOnly: new Set(), storeOnly: STORE_ONLY });
    expect(stored).toEqual(expected);
    expect(Object.keys(expected).filter((k) => k.startsWith('quality_billing_')).length).toBeGreaterThan(60);
  });

  it('keeps the OpenTelemetry scope labels and adds job/instance and the resource attributes, nothing else', async () => {
    const [info] = await prom.query('qb_agent_build_info');
    const id = info!.metric.service_instance_id!;
    expect(info!.metric).toEqual({
      __name__: 'qb_agent_build_info',
      ...Object.fromEntries([...SCOPE_LABELS].map((k) => [k, k === 'otel_scope_name' ? 'qb-agent' : expect.any(String)])),
      version: expect.any(String),
      nodejs_version: expect.any(String),
      job: 'qb-agent',
      instance: id,
      service_name: 'qb-agent',
      service_instance_id: id,
      service_version: expect.any(String),
      host_name: expect.any(String),
    });
    expect(new Set(Object.keys(info!.metric))).toEqual(new Set(['__name__', 'version', 'nodejs_version', ...SCOPE_LABELS, ...COLLECTOR_ADDS]));
  });

  it('every dashboard query returns data on this path', async () => {
    const empty: string[] = [];
    for (const { source, expr } of dashboardExpressions()) {
      const q = substitute(expr, VARS);
      if ((await prom.query(q)).filter((r) => Number.isFinite(Number(r.value[1]))).length === 0) empty.push(source);
    }
    expect(empty).toEqual([]);
    expect(dashboardExpressions().length).toBeGreaterThan(50);
  });
});
