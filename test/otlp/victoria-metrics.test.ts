import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE, prometheusName } from '../../src/business/catalogue.ts';
import { spawnAgent, type AgentProcess } from '../support/agent-process.ts';
import { parseExposition, type Sample } from '../support/prom-text.ts';
import { missingTool } from '../support/tools.ts';
import { startVictoriaMetrics, type VictoriaMetrics } from '../support/victoria-metrics.ts';
import { EVERY_TYPE_BATCH, eventually, postEvents } from '../support/workload.ts';

/** With durable state (spawnAgent gives each agent a state dir) the instance id is a UUID kept there. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const skip = missingTool('victoria-metrics');
/**
 * Labels only one path carries: the scope on pull (VictoriaMetrics 1.14x names it scope_name/scope_version
 * on push), the resource attributes on push. service_instance_id is on both (metrics.resourceConstantLabels).
 */
const PULL_ONLY = new Set(['otel_scope_name', 'otel_scope_version']);
const PUSH_ONLY = new Set(['service_name', 'service_version', 'host_name', 'scope_name', 'scope_version']);
/** Series whose values cannot change between a push and the scrape that follows it. */
const STABLE = /^(quality_billing_|qb_agent_events_total$|qb_agent_ingest_requests_total$|qb_agent_dedupe_ids$|qb_agent_metric_series$|qb_agent_build_info$)/;

function identity(name: string, labels: Record<string, string>, drop: Set<string>): string {
  const kept = Object.entries(labels)
    .filter(([k]) => k !== '__name__' && !drop.has(k))
    .sort(([a], [b]) => a.localeCompare(b));
  return `${name}{${kept.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
}

describe.skipIf(skip)('OTLP push into VictoriaMetrics (protobuf)', () => {
  let vm: VictoriaMetrics;
  let agent: AgentProcess;
  let pulled: Sample[];

  beforeAll(async () => {
    vm = await startVictoriaMetrics();
    agent = await spawnAgent({ args: ['--otlp.endpoint', vm.otlpUrl, '--otlp.intervalMs', '1000', '--otlp.timeoutMs', '1000'] });
    expect((await postEvents(agent.url, EVERY_TYPE_BATCH)).status).toBe(202);
    // Wait for a push that holds the batch, then scrape: the business values no longer move.
    await eventually(async () => {
      const [r] = await vm.query('sum(quality_billing_invoice_amount_cents_total)');
      return r?.value[1] === '128456' ? true : undefined;
    }, 20_000, 'the pushed invoice amount');
    pulled = parseExposition(await (await fetch(`${agent.url}/metrics`)).text());
  });
  afterAll(async () => {
    await agent?.stop();
    await vm?.stop();
  });

  it('receives every metric name that /metrics shows, and no other', async () => {
    const pulledNames = new Set(pulled.map((s) => s.name).filter((n) => n !== 'target_info'));
    const pushedNames = new Set(await vm.names());
    expect([...pushedNames].sort()).toEqual([...pulledNames].sort());
    for (const spec of Object.values(CATALOGUE)) {
      const base = prometheusName(spec);
      expect(pushedNames.has(spec.kind === 'histogram' ? `${base}_bucket` : base), base).toBe(true);
    }
  });

  it('holds the same series with the same values for business and ingest metrics', async () => {
    // Self-metrics such as qb_agent_metric_series settle one push after the batch: compare
    // until a push and a scrape agree (or time out and show the difference).
    const compare = async () => {
      const scraped = parseExposition(await (await fetch(`${agent.url}/metrics`)).text());
      const expected = new Map<string, number>();
      for (const s of scraped) if (STABLE.test(s.name)) expected.set(identity(s.name, s.labels, PULL_ONLY), s.value);
      const pushed = new Map<string, number>();
      for (const name of new Set(scraped.filter((s) => STABLE.test(s.name)).map((s) => s.name))) {
        for (const r of await vm.query(name)) pushed.set(identity(name, r.metric, PUSH_ONLY), Number(r.value[1]));
      }
      return { expected: Object.fromEntries(expected), pushed: Object.fromEntries(pushed) };
    };
    let last = await compare();
    await eventually(async () => {
      last = await compare();
      return JSON.stringify(last.pushed) === JSON.stringify(last.expected) ? true : undefined;
    }, 10_000, 'a push equal to the scrape').catch(() => undefined);
    expect(last.pushed).toEqual(last.expected);
    expect(Object.keys(last.expected).length).toBeGreaterThan(60);
  });

  it('holds the same host series (values move, so only identities are compared)', async () => {
    const hostNames = [...new Set(pulled.map((s) => s.name).filter((n) => /^(system|process)_/.test(n)))];
    expect(hostNames.length).toBeGreaterThanOrEqual(13);
    for (const name of hostNames) {
      const expected = pulled.filter((s) => s.name === name).map((s) => identity(name, s.labels, PULL_ONLY)).sort();
      const pushed = (await vm.query(name)).map((r) => identity(name, r.metric, PUSH_ONLY)).sort();
      expect(pushed, name).toEqual(expected);
    }
  });

  it('carries the resource attributes as labels on the push path', async () => {
    const [r] = await vm.query('qb_agent_build_info');
    expect(r?.metric).toMatchObject({ service_name: 'qb-agent', service_instance_id: expect.stringMatching(UUID), host_name: expect.any(String) });
  });
});
