import { describe, expect, it } from 'vitest';
import { spawnAgent } from '../support/agent-process.ts';
import { useAgentAndReceiver } from '../support/agent-and-receiver.ts';
import { attributesOf, findMetric, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { parseExposition, valueOf } from '../support/prom-text.ts';
import { EVERY_TYPE_BATCH, eventually, postEvents } from '../support/workload.ts';

const t = useAgentAndReceiver();

const pushArgs = (url: string, intervalMs = 500) => [
  '--otlp.endpoint', `${url}/v1/metrics`, '--otlp.protocol', 'http/json', '--otlp.intervalMs', String(intervalMs), '--otlp.timeoutMs', String(Math.min(400, intervalMs)),
];

describe('OTLP/JSON push', () => {
  it('sends the path, headers, resource and values the collector expects', async () => {
    t.receiver = await startOtlpReceiver(200);
    t.agent = await spawnAgent({
      args: pushArgs(t.receiver.url),
      env: { OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=billing,authorization=Bearer%20abc', OTEL_SERVICE_NAME: 'qb-test', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=ci' },
    });
    expect((await postEvents(t.agent.url, EVERY_TYPE_BATCH)).status).toBe(202);
    const request = await eventually(async () => {
      const r = t.receiver!.requests.at(-1)?.json;
      const amount = r && findMetric(r, 'quality_billing_invoice_amount_cents');
      return amount?.sum?.dataPoints.length === 2 ? r : undefined;
    }, 10_000, 'a push with both invoices');
    const sent = t.receiver.requests.at(-1)!;
    expect(sent.path).toBe('/v1/metrics');
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.headers['x-tenant']).toBe('billing');
    expect(sent.headers.authorization).toBe('Bearer abc');

    const [resource] = request.resourceMetrics;
    expect(attributesOf(resource?.resource.attributes)).toMatchObject({
      'service.name': 'qb-test',
      'service.version': expect.stringMatching(/^\d+\.\d+\.\d+/),
      'service.instance.id': expect.any(String),
      'host.name': expect.any(String),
      'deployment.environment.name': 'ci',
    });

    const amount = findMetric(request, 'quality_billing_invoice_amount_cents')!;
    expect(amount.unit).toBe('{cent}');
    expect(amount.sum?.isMonotonic).toBe(true);
    expect(amount.sum?.aggregationTemporality).toBe(2); // cumulative
    const byCurrency = Object.fromEntries(amount.sum!.dataPoints.map((p) => [attributesOf(p.attributes).currency, p.asDouble]));
    expect(byCurrency).toEqual({ EUR: 123456, USD: 5000 });

    const score = findMetric(request, 'quality_billing_quality_score')!;
    const [point] = score.histogram!.dataPoints;
    expect(point?.explicitBounds).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(point?.bucketCounts.map(Number)).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0]);
    expect(point?.sum).toBe(160);
    expect(Number(point?.count)).toBe(2);

    const workTime = findMetric(request, 'quality_billing_work_time_seconds')!;
    expect(workTime.unit).toBe('s');
    expect(Object.fromEntries(workTime.sum!.dataPoints.map((p) => [attributesOf(p.attributes).task_type, p.asDouble]))).toEqual({ labeling: 3600, review: 1800.5 });
  });

  it.each([
    ['answers 400', 400],
    ['answers 500', 500],
  ])('keeps serving /metrics and logs once when the backend %s', async (_name, status) => {
    t.receiver = await startOtlpReceiver(status);
    t.agent = await spawnAgent({ args: pushArgs(t.receiver.url, 300) });
    const failures = await eventually(async () => {
      const samples = parseExposition(await (await fetch(`${t.agent!.url}/metrics`)).text());
      const failed = valueOf(samples, 'qb_agent_otlp_exports_total', { outcome: 'failure' });
      return failed >= 3 ? failed : undefined;
    }, 15_000, 'three failed exports');
    expect(failures).toBeGreaterThanOrEqual(3);
    expect(t.agent.logs.filter((l) => l.msg === 'OTLP export failing; will keep retrying every interval and log again on recovery')).toHaveLength(1);
    expect((await fetch(`${t.agent.url}/metrics`)).status).toBe(200);

    t.receiver.setMode(200);
    await eventually(async () => (t.agent!.logs.some((l) => l.msg === 'OTLP export recovered') ? true : undefined), 10_000, 'recovery');
    expect(t.agent.logs.filter((l) => l.msg === 'OTLP export recovered')).toHaveLength(1);
    const samples = parseExposition(await (await fetch(`${t.agent.url}/metrics`)).text());
    expect(valueOf(samples, 'qb_agent_otlp_last_success_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 30);
  });

  it('keeps serving /metrics when the backend is down', async () => {
    t.receiver = await startOtlpReceiver(200);
    const url = t.receiver.url;
    await t.receiver.stop();
    t.receiver = undefined;
    t.agent = await spawnAgent({ args: pushArgs(url, 300) });
    await eventually(async () => {
      const samples = parseExposition(await (await fetch(`${t.agent!.url}/metrics`)).text());
      return valueOf(samples, 'qb_agent_otlp_exports_total', { outcome: 'failure' }) >= 2 ? true : undefined;
    }, 15_000, 'two failed exports');
    expect(t.agent.logs.filter((l) => String(l.msg).startsWith('OTLP export failing'))).toHaveLength(1);
    expect(t.agent.logs.find((l) => String(l.msg).startsWith('OTLP export failing'))?.error).toMatch(/ECONNREFUSED|connect|fetch failed/i);
  });
});
