import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnAgent, type AgentProcess } from '../support/agent-process.ts';
import { goToolPath, missingGoTool } from '../support/go-tools.ts';
import { startPrometheus, type Prometheus } from '../support/prometheus.ts';
import { EVERY_TYPE_BATCH, eventually, postEvents } from '../support/workload.ts';
import { compareWithAgent } from './support/equality.ts';
import { COLLECTOR_ADDS, SCOPE_LABELS, STORE_ONLY } from './support/labels.ts';
import { pushArgs } from './support/path.ts';

/**
 * Prometheus 3.5 as a direct push target, no Collector: its OTLP receiver
 * (--web.enable-otlp-receiver, in the build from its Go module; Debian's build
 * leaves it out), with the `otlp:` settings docs/deployment.md gives so that the
 * series carry the same labels as through the Collector.
 */

const skip = missingGoTool('prometheus');
/** docs/deployment.md, "Prometheus' own OTLP receiver". */
const PROMETHEUS_OTLP_SETTINGS = { promote_all_resource_attributes: true, keep_identifying_resource_attributes: true } as const;

let prom: Prometheus;
let agent: AgentProcess;

beforeAll(async () => {
  if (skip) return;
  prom = await startPrometheus({ binary: goToolPath('prometheus')!, receivers: ['otlp'], otlp: PROMETHEUS_OTLP_SETTINGS });
  agent = await spawnAgent({ args: pushArgs(prom.otlpUrl) });
  expect((await postEvents(agent.url, EVERY_TYPE_BATCH)).status).toBe(202);
  await eventually(async () => ((await prom.query('sum(quality_billing_invoice_amount_cents_total)'))[0]?.value[1] === '128456' ? true : undefined), 30_000, 'the pushed invoice amount');
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  await prom?.destroy();
});

describe.skipIf(skip)('agent → Prometheus 3.5 OTLP receiver (built from its Go module)', () => {
  it('is Prometheus 3.5', async () => {
    const info = (await (await fetch(`${prom.url}/api/v1/status/buildinfo`)).json()) as { data: { version: string } };
    expect(info.data.version).toMatch(/^3\.5\.\d+$/);
  });

  it('holds every business and ingest series of the agent\'s /metrics, same name, labels and value', async () => {
    const { expected, stored } = await compareWithAgent({ agentUrl: agent.url, query: (q) => prom.query(q), agentOnly: SCOPE_LABELS, storeOnly: STORE_ONLY });
    expect(stored).toEqual(expected);
    expect(Object.keys(expected).filter((k) => k.startsWith('quality_billing_')).length).toBeGreaterThan(30);
  });

  it('adds the same labels as the Collector path, and drops the scope (3.5 has no scope labels)', async () => {
    const [info] = await prom.query('qb_agent_build_info');
    const id = info!.metric.service_instance_id!;
    expect(info!.metric).toMatchObject({ job: 'qb-agent', instance: id, service_name: 'qb-agent' });
    expect(new Set(Object.keys(info!.metric))).toEqual(new Set(['__name__', 'version', 'nodejs_version', ...COLLECTOR_ADDS]));
  });
});
