import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnAgent, type AgentProcess } from '../support/agent-process.ts';
import { settledPushAndPull } from '../support/push-vs-pull.ts';
import { startRecordingProxy } from '../support/recording-proxy.ts';
import { missingTool } from '../support/tools.ts';
import { startVictoriaMetrics, type VictoriaMetrics } from '../support/victoria-metrics.ts';
import { EVERY_TYPE_BATCH, eventually, postEvents } from '../support/workload.ts';

const skip = missingTool('victoria-metrics');
/** The two bytes every gzip stream starts with (RFC 1952). */
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

/**
 * otlp.compression=gzip: the agent pushes through a recording proxy into a real
 * VictoriaMetrics, which decodes the gzip body itself. The proxy shows what was
 * sent on the wire; VictoriaMetrics shows it was a valid OTLP request.
 */
describe.skipIf(skip)('OTLP push with otlp.compression=gzip', () => {
  let vm: VictoriaMetrics;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  let agent: AgentProcess;

  beforeAll(async () => {
    vm = await startVictoriaMetrics();
    proxy = await startRecordingProxy(vm.otlpUrl);
    agent = await spawnAgent({
      args: ['--otlp.endpoint', `${proxy.url}/opentelemetry/v1/metrics`, '--otlp.compression', 'gzip', '--otlp.intervalMs', '1000', '--otlp.timeoutMs', '1000'],
    });
    expect((await postEvents(agent.url, EVERY_TYPE_BATCH)).status).toBe(202);
    await eventually(async () => {
      const [r] = await vm.query('sum(quality_billing_invoice_amount_cents_total)');
      return r?.value[1] === '128456' ? true : undefined;
    }, 20_000, 'the pushed invoice amount');
  });
  afterAll(async () => {
    await agent?.stop();
    await proxy?.stop();
    await vm?.stop();
  });

  it('sends every push gzip-compressed, with Content-Encoding: gzip, and VictoriaMetrics accepts it', () => {
    const pushes = [...proxy.requests];
    expect(pushes.length).toBeGreaterThan(0);
    for (const push of pushes) {
      expect(push).toMatchObject({ method: 'POST', path: '/opentelemetry/v1/metrics', status: 200 });
      expect(push.headers['content-encoding']).toBe('gzip');
      expect(push.headers['content-type']).toBe('application/x-protobuf');
      expect(push.body.subarray(0, 2)).toEqual(GZIP_MAGIC);
      // Decompresses to a protobuf request larger than what travelled.
      expect(gunzipSync(push.body).length).toBeGreaterThan(push.body.length);
    }
  });

  it('stores the same series with the same values as /metrics shows', async () => {
    const last = await settledPushAndPull(agent.url, vm);
    expect(last.pushed).toEqual(last.expected);
    expect(Object.keys(last.expected).length).toBeGreaterThan(60);
  });
});
