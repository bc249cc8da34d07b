import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnAgent, type AgentProcess } from '../support/agent-process.ts';
import { makeBatches, postBatch, totalsOf } from '../support/crash-harness.ts';
import { attributesOf, findMetric, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { parseExposition, valueOf } from '../support/prom-text.ts';
import { eventually } from '../support/workload.ts';

/** Memory the agent may gain during the outage. Push is cumulative, so nothing queues: state grows with series, not with time or events. */
const OUTAGE_RSS_BOUND_BYTES = 64 * 1024 * 1024;

let agent: AgentProcess | undefined;
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>> | undefined;
afterEach(async () => {
  await agent?.stop();
  await receiver?.stop();
  agent = undefined;
  receiver = undefined;
});

function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(/(\d+)/.exec(line)![1]) * 1024;
}

describe('collector outage', () => {
  it('keeps serving, logs once, and the first push after recovery carries every event sent during the outage', async () => {
    receiver = await startOtlpReceiver(503);
    agent = await spawnAgent({
      args: ['--host.enabled', 'false', '--otlp.endpoint', `${receiver.url}/v1/metrics`, '--otlp.protocol', 'http/json', '--otlp.intervalMs', '500', '--otlp.timeoutMs', '400'],
    });
    const rssBefore = rssBytes(agent.child.pid!);
    const batches = makeBatches('outage', 200, 30);
    for (const b of batches) expect((await postBatch(agent.url, b)).status).toBe(202);
    // Several failed pushes, counted by the agent itself.
    const failures = async () => valueOf(parseExposition(await (await fetch(`${agent!.url}/metrics`)).text()), 'qb_agent_otlp_exports_total', { outcome: 'failure' });
    await eventually(async () => ((await failures()) >= 3 ? true : undefined), 30_000, 'three failed pushes');

    const metrics = parseExposition(await (await fetch(`${agent.url}/metrics`)).text());
    expect(valueOf(metrics, 'qb_agent_otlp_exports_total', { outcome: 'failure' })).toBeGreaterThanOrEqual(3);
    expect(valueOf(metrics, 'qb_agent_otlp_exports_total', { outcome: 'success' })).toBe(0);
    expect(agent.logs.filter((l) => String(l.msg).startsWith('OTLP export failing')).length).toBe(1);
    const growth = rssBytes(agent.child.pid!) - rssBefore;
    expect(growth, `RSS grew ${growth} bytes during the outage`).toBeLessThan(OUTAGE_RSS_BOUND_BYTES);

    const recoveredAt = receiver.requests.length;
    receiver.setMode(200);
    await eventually(async () => (receiver!.requests.length > recoveredAt ? true : undefined), 30_000, 'a push after recovery');
    const first = receiver.requests[recoveredAt]?.json;
    expect(first, 'a push after recovery').toBeDefined();
    const expected = totalsOf(batches);
    const amount = findMetric(first!, 'quality_billing_invoice_amount_cents')!;
    const eur = amount.sum!.dataPoints.find((p) => attributesOf(p.attributes).currency === 'EUR')!;
    expect(Number(eur.asDouble ?? eur.asInt)).toBe(expected[0]);
    const score = findMetric(first!, 'quality_billing_quality_score')!.histogram!.dataPoints[0]!;
    expect(Number(score.count)).toBe(expected[4]);
    expect(score.sum).toBe(expected[5]);

    // Logged once, not once per push: let two more pushes succeed, then count.
    await eventually(async () => (receiver!.requests.length >= recoveredAt + 3 ? true : undefined), 30_000, 'two more pushes');
    expect(agent.logs.filter((l) => l.msg === 'OTLP export recovered').length).toBe(1);
  });
});
