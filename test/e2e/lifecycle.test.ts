import { afterEach, describe, expect, it } from 'vitest';
import { spawnAgent, type AgentProcess } from '../support/agent-process.ts';
import { findMetric, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { EVERY_TYPE_BATCH, eventually, postEvents } from '../support/workload.ts';

type Receiver = Awaited<ReturnType<typeof startOtlpReceiver>>;
let agent: AgentProcess | undefined;
let receiver: Receiver | undefined;

afterEach(async () => {
  await agent?.stop('SIGKILL');
  await receiver?.stop();
  agent = undefined;
  receiver = undefined;
});

/** Push configured so that no periodic push happens during the test: only the final one. */
const finalPushOnly = (url: string, timeoutMs: number) => [
  '--otlp.endpoint', `${url}/v1/metrics`, '--otlp.protocol', 'http/json', '--otlp.intervalMs', '600000', '--otlp.timeoutMs', String(timeoutMs),
];

describe('daemon lifecycle', () => {
  it('on SIGTERM makes a final push with everything accepted, then exits 0 within the bound', async () => {
    receiver = await startOtlpReceiver(200);
    agent = await spawnAgent({ args: finalPushOnly(receiver.url, 5000) });
    expect((await postEvents(agent.url, EVERY_TYPE_BATCH)).status).toBe(202);
    expect(receiver.requests).toHaveLength(0);
    const started = Date.now();
    const code = await agent.stop('SIGTERM');
    const elapsed = Date.now() - started;
    expect(code).toBe(0);
    expect(elapsed).toBeLessThan(5000);
    expect(receiver.requests).toHaveLength(1);
    const amount = findMetric(receiver.requests[0]!.json!, 'quality_billing_invoice_amount_cents');
    expect(amount?.sum?.dataPoints.map((p) => p.asDouble).sort((a, b) => a! - b!)).toEqual([5000, 123456]);
    expect(agent.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['signal received', 'shutting down', 'stopped']));
  });

  it('exits 0 at the deadline when the collector hangs on the final push', async () => {
    receiver = await startOtlpReceiver('hang');
    agent = await spawnAgent({ args: finalPushOnly(receiver.url, 1500) });
    const started = Date.now();
    expect(await agent.stop('SIGTERM')).toBe(0);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(1500 + 3000);
    expect(receiver.requests.length).toBeGreaterThanOrEqual(1);
  });

  it('exits at once on a second signal', async () => {
    receiver = await startOtlpReceiver('hang');
    agent = await spawnAgent({ args: finalPushOnly(receiver.url, 30000) });
    agent.child.kill('SIGTERM');
    await eventually(async () => (receiver!.requests.length > 0 ? true : undefined), 5000, 'the final push to start');
    const started = Date.now();
    agent.child.kill('SIGINT');
    expect(await agent.exited).toBe(1);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(agent.logs.some((l) => l.msg === 'second signal: exiting at once')).toBe(true);
  });

  it('reports not ready while shutting down', async () => {
    receiver = await startOtlpReceiver('hang');
    agent = await spawnAgent({ args: finalPushOnly(receiver.url, 3000) });
    expect((await fetch(`${agent.url}/readyz`)).status).toBe(200);
    agent.child.kill('SIGTERM');
    // The listener closes first, so new connections are refused rather than served during shutdown.
    await eventually(async () => {
      try {
        await fetch(`${agent!.url}/readyz`);
        return undefined;
      } catch {
        return true;
      }
    }, 3000, 'the listener to close');
    expect(await agent.exited).toBe(0);
  });
});
