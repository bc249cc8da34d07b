import { describe, expect, it } from 'vitest';
import { spawnAgent } from '../support/agent-process.ts';
import { useAgentAndReceiver } from '../support/agent-and-receiver.ts';
import { findMetric, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { EVERY_TYPE_BATCH, eventually, postEvents } from '../support/workload.ts';

const t = useAgentAndReceiver();

/** Push configured so that no periodic push happens during the test: only the final one. */
const finalPushOnly = (url: string, timeoutMs: number) => [
  '--otlp.endpoint', `${url}/v1/metrics`, '--otlp.protocol', 'http/json', '--otlp.intervalMs', '600000', '--otlp.timeoutMs', String(timeoutMs),
];

describe('daemon lifecycle', () => {
  it('on SIGTERM makes a final push with everything accepted, then exits 0 within the bound', async () => {
    t.receiver = await startOtlpReceiver(200);
    t.agent = await spawnAgent({ args: finalPushOnly(t.receiver.url, 5000) });
    expect((await postEvents(t.agent.url, EVERY_TYPE_BATCH)).status).toBe(202);
    expect(t.receiver.requests).toHaveLength(0);
    const started = Date.now();
    const code = await t.agent.stop('SIGTERM');
    const elapsed = Date.now() - started;
    expect(code).toBe(0);
    expect(elapsed).toBeLessThan(5000);
    expect(t.receiver.requests).toHaveLength(1);
    const amount = findMetric(t.receiver.requests[0]!.json!, 'quality_billing_invoice_amount_cents');
    expect(amount?.sum?.dataPoints.map((p) => p.asDouble).sort((a, b) => a! - b!)).toEqual([5000, 123456]);
    expect(t.agent.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['signal received', 'shutting down', 'stopped']));
  });

  it('exits 0 at shutdown.timeoutMs when the collector hangs on the final push, however long the OTLP timeout', async () => {
    t.receiver = await startOtlpReceiver('hang');
    // The push alone could take 30 s; the whole stop may take 1.5 s.
    t.agent = await spawnAgent({ args: [...finalPushOnly(t.receiver.url, 30000), '--shutdown.timeoutMs', '1500'] });
    const started = Date.now();
    expect(await t.agent.stop('SIGTERM')).toBe(0);
    // A hang bound, not a timing test: the deadline is 1.5 s, the OTLP timeout 30 s.
    expect(Date.now() - started).toBeLessThan(1500 + 5000);
    expect(t.receiver.requests.length).toBeGreaterThanOrEqual(1);
    expect(t.agent.logs.find((l) => l.msg === 'shutting down')?.deadlineMs).toBe(1500);
    expect(t.agent.logs.map((l) => l.msg)).toContain('final OTLP push did not finish before the deadline; its data is lost');
    expect(t.agent.logs.at(-1)?.msg).toBe('stopped');
  });

  it('exits at once on a second signal', async () => {
    t.receiver = await startOtlpReceiver('hang');
    t.agent = await spawnAgent({ args: finalPushOnly(t.receiver.url, 30000) });
    t.agent.child.kill('SIGTERM');
    await eventually(async () => (t.receiver!.requests.length > 0 ? true : undefined), 5000, 'the final push to start');
    const started = Date.now();
    t.agent.child.kill('SIGINT');
    expect(await t.agent.exited).toBe(1);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(t.agent.logs.some((l) => l.msg === 'second signal: exiting at once')).toBe(true);
  });

  it('stops accepting connections as soon as shutdown starts', async () => {
    t.receiver = await startOtlpReceiver('hang');
    t.agent = await spawnAgent({ args: finalPushOnly(t.receiver.url, 3000) });
    expect((await fetch(`${t.agent.url}/readyz`)).status).toBe(200);
    t.agent.child.kill('SIGTERM');
    // The listener closes first, so new connections are refused rather than served during shutdown.
    await eventually(async () => {
      try {
        await fetch(`${t.agent!.url}/readyz`);
        return undefined;
      } catch {
        return true;
      }
    }, 3000, 'the listener to close');
    expect(await t.agent.exited).toBe(0);
  });
});

describe('startup failures', () => {
  it('a port in use ends the agent with exit 1 and one fatal log line', async () => {
    const { createServer } = await import('node:net');
    const { runCli } = await import('../support/agent-process.ts');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { code, stdout } = await runCli(['--http.port', String(port)]);
      expect(code).toBe(1);
      const fatal = stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 'fatal');
      expect(fatal).toHaveLength(1);
      expect(fatal[0]?.msg).toBe('cannot start');
      expect(JSON.stringify(fatal[0]?.err)).toContain('EADDRINUSE');
    } finally {
      blocker.close();
    }
  });
});
