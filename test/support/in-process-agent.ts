import { Writable } from 'node:stream';
import { Agent } from '../../src/agent.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';

export interface TestAgent {
  readonly agent: Agent;
  /** Log lines written so far. */
  readonly logs: Array<Record<string, unknown>>;
  /** Advances the fake clock. */
  advance(ms: number): void;
  post(events: unknown, options?: { contentType?: string; headers?: Record<string, string>; raw?: string }): Promise<{ status: number; body: Record<string, unknown> }>;
  metrics(): Promise<string>;
  /** Only the quality_billing_* lines of /metrics: what must not change on a rejected request. */
  businessMetrics(): Promise<string>;
  close(): Promise<void>;
}

/**
 * An agent in this process, driven through fastify's inject() (no socket), on a
 * fake clock, with host metrics off so /metrics only moves when events arrive.
 */
export function createTestAgent(argv: string[] = [], env: Record<string, string> = {}): TestAgent {
  let clock = Date.parse('2026-11-24T10:00:00Z');
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  // Durable state off unless a test asks for it: inject() never calls start(), which restores state.
  const config = loadConfig({ argv: ['--host.enabled', 'false', '--state.dir', '', ...argv], env });
  const agent = new Agent({ config, log: createLogger('info', sink), version: '0.0.0-test', now: () => clock });
  const inject = agent.app.inject.bind(agent.app);
  const metrics = async () => (await inject({ method: 'GET', url: '/metrics' })).body;
  return {
    agent,
    logs,
    advance(ms) {
      clock += ms;
    },
    async post(events, options = {}) {
      const res = await inject({
        method: 'POST',
        url: '/v1/events',
        headers: { 'content-type': options.contentType ?? 'application/json', ...options.headers },
        payload: options.raw ?? JSON.stringify({ events }),
      });
      return { status: res.statusCode, body: res.json() as Record<string, unknown> };
    },
    metrics,
    async businessMetrics() {
      return (await metrics())
        .split('\n')
        .filter((l) => l.startsWith('quality_billing_'))
        .join('\n');
    },
    close: () => agent.shutdown(),
  };
}
