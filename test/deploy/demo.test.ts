import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE, prometheusName } from '../../src/business/catalogue.ts';
import type { DemoSummary } from '../../src/demo/summary.ts';
import { EVENT_TYPES } from '../../src/business/events.ts';
import { runCli, spawnAgent, type AgentProcess } from '../support/agent-process.ts';
import { parseExposition, type Sample } from '../support/prom-text.ts';

const TOKEN = 'demo-test-token';
const RATE = 150;
const DURATION_SEC = 3;

/** A sample's labels without those the exporter adds to every series: the scope and the agent's service_instance_id. */
function ownLabels(sample: Sample): Record<string, string> {
  return Object.fromEntries(Object.entries(sample.labels).filter(([k]) => !k.startsWith('otel_scope_') && k !== 'service_instance_id'));
}

/** Every series of a metric as "labels JSON (sorted keys) → value". */
function seriesOf(samples: readonly Sample[], name: string, extra: (labels: Record<string, string>) => boolean = () => true): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== name) continue;
    const labels = ownLabels(s);
    if (!extra(labels)) continue;
    out.set(key(labels), s.value);
  }
  return out;
}

function key(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b))));
}

describe('qb-agent demo against a real agent', () => {
  let agent: AgentProcess;
  let summary: DemoSummary;
  let samples: Sample[];
  let dir: string;
  let demo: { code: number | null; stdout: string; stderr: string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'qb-demo-'));
    agent = await spawnAgent({ env: { QB_AGENT_INGEST_TOKENS: TOKEN, QB_AGENT_HOST_METRICS: 'false' } });
    const summaryPath = join(dir, 'summary.json');
    demo = await runCli(
      ['demo', '--target', agent.url, '--rate', String(RATE), '--duration', String(DURATION_SEC), '--seed', '42', '--summary-json', summaryPath],
      { QB_DEMO_TOKEN: TOKEN },
    );
    summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as DemoSummary;
    samples = parseExposition(await (await fetch(`${agent.url}/metrics`)).text());
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finishes the planned run and prints the same summary on stdout', () => {
    expect(demo.code, demo.stderr).toBe(0);
    expect(JSON.parse(demo.stdout)).toEqual(summary);
    expect(summary.complete).toBe(true);
    expect(summary.error).toBeNull();
    expect(summary.unconfirmed).toBe(0);
    const total = Object.values(summary.events).reduce((a, b) => a + b, 0);
    expect(total).toBe(RATE * DURATION_SEC);
    expect(summary.accepted).toBe(total);
    expect(summary.duplicates).toBe(0);
    expect(demo.stderr).toContain(`demo: done after`);
  });

  it('sends every event type and feeds every business metric', () => {
    for (const type of EVENT_TYPES) expect(summary.events[type], type).toBeGreaterThan(0);
    for (const spec of Object.values(CATALOGUE)) {
      if (spec.kind === 'counter') expect(summary.expected.counters[prometheusName(spec)]?.length, spec.name).toBeGreaterThan(0);
      if (spec.kind === 'histogram') expect(summary.expected.histograms[spec.name]?.length, spec.name).toBeGreaterThan(0);
    }
    expect(summary.expected.gauges[CATALOGUE.activeUsers.name]).toBeGreaterThan(0);
  });

  it('finds the events it reports on the agent, per type', () => {
    for (const type of EVENT_TYPES) {
      expect(seriesOf(samples, 'qb_agent_events_total').get(key({ type, outcome: 'accepted' })), type).toBe(summary.events[type]);
      expect(seriesOf(samples, 'qb_agent_events_total').get(key({ type, outcome: 'duplicate' })), type).toBe(0);
      expect(seriesOf(samples, 'qb_agent_events_total').get(key({ type, outcome: 'rejected' })), type).toBe(0);
    }
  });

  it('finds exactly the counter series and values it reports', () => {
    for (const spec of Object.values(CATALOGUE)) {
      if (spec.kind !== 'counter') continue;
      const name = prometheusName(spec);
      const expected = new Map((summary.expected.counters[name] ?? []).map((s) => [key(s.labels), s.value]));
      expect.soft(seriesOf(samples, name), name).toEqual(expected);
    }
  });

  it('finds exactly the histogram series, buckets, sums and counts it reports', () => {
    for (const spec of Object.values(CATALOGUE)) {
      if (spec.kind !== 'histogram') continue;
      const reported = summary.expected.histograms[spec.name] ?? [];
      const count = new Map(reported.map((h) => [key(h.labels), h.count]));
      const sum = new Map(reported.map((h) => [key(h.labels), h.sum]));
      const buckets = new Map(reported.flatMap((h) => h.buckets.map(({ le, count: n }) => [key({ ...h.labels, le }), n] as const)));
      expect.soft(seriesOf(samples, `${spec.name}_count`), spec.name).toEqual(count);
      expect.soft(seriesOf(samples, `${spec.name}_sum`), spec.name).toEqual(sum);
      expect.soft(seriesOf(samples, `${spec.name}_bucket`), spec.name).toEqual(buckets);
    }
  });

  it('finds the active users it reports', () => {
    const name = CATALOGUE.activeUsers.name;
    expect(seriesOf(samples, name)).toEqual(new Map([[key({}), summary.expected.gauges[name]]]));
  });

  it('never lands in the cardinality overflow series', () => {
    expect(samples.filter((s) => s.labels.otel_metric_overflow !== undefined)).toEqual([]);
  });
});
