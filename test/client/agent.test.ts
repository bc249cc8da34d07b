import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QbAgentClient, events, type DeliveryError } from '../../src/client/index.ts';
import { spawnAgent, type AgentProcess } from '../support/agent-process.ts';
import { freePort } from '../support/ports.ts';
import { parseExposition, select, valueOf } from '../support/prom-text.ts';
import { eventually } from '../support/workload.ts';

const TOKEN = 'client-test-token';

async function scrape(agent: AgentProcess) {
  const res = await fetch(`${agent.url}/metrics`);
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
}
const sum = (samples: ReturnType<typeof parseExposition>, name: string, labels: Record<string, string> = {}) =>
  select(samples, name, labels).reduce((a, s) => a + s.value, 0);

describe('client against a real agent', () => {
  let agent: AgentProcess;
  beforeAll(async () => {
    agent = await spawnAgent({ env: { QB_AGENT_INGEST_TOKENS: TOKEN, QB_AGENT_HOST_METRICS: 'false' } });
  });
  afterAll(async () => {
    await agent?.stop();
  });

  it('the agent counts exactly what the client reports as delivered, duplicates once', async () => {
    const client = new QbAgentClient({ url: agent.url, token: TOKEN, maxBatchEvents: 64, flushIntervalMs: 20 });
    for (let i = 0; i < 500; i++) {
      client.send(events.workSession({ user: `u${i % 7}`, task_type: i % 2 ? 'labeling' : 'review', duration_seconds: 60, effective_seconds: 45 }));
      if (i % 5 === 0) client.send(events.invoice({ id: `inv-${i}`, amount_cents: 1000 + i, currency: 'EUR', quality_grade: 'A', billed_hours: 1 }));
    }
    await client.flush();
    // A service that lost track and resends ten invoices: the agent must count them once.
    for (let i = 0; i < 50; i += 5) client.send(events.invoice({ id: `inv-${i}`, amount_cents: 1000 + i, currency: 'EUR', quality_grade: 'A', billed_hours: 1 }));
    await client.close();

    expect(client.stats()).toEqual({ sent: 610, accepted: 600, duplicates: 10, retries: 0, dropped: 0, failed: 0, buffered: 0 });
    const m = await scrape(agent);
    expect(sum(m, 'quality_billing_work_sessions_total')).toBe(500);
    expect(valueOf(m, 'quality_billing_invoices_total', { currency: 'EUR', quality_grade: 'A' })).toBe(100);
    expect(valueOf(m, 'quality_billing_invoice_amount_cents_total', { currency: 'EUR', quality_grade: 'A' })).toBe(100 * 1000 + 5 * (99 * 100) / 2);
    expect(sum(m, 'qb_agent_events_total', { outcome: 'accepted' })).toBe(client.stats().accepted);
    expect(sum(m, 'qb_agent_events_total', { outcome: 'duplicate' })).toBe(client.stats().duplicates);
  });

  it('compressed batches (above compressAboveBytes) are counted exactly as plain ones', async () => {
    const sentEncodings: Array<string | undefined> = [];
    const realFetch = globalThis.fetch;
    // Watch what goes on the wire; the request itself goes to the real agent unchanged.
    globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      sentEncodings.push(new Headers(init?.headers).get('content-encoding') ?? undefined);
      return realFetch(input, init);
    }) as typeof fetch;
    try {
      const client = new QbAgentClient({ url: agent.url, token: TOKEN, maxBatchEvents: 400, compressAboveBytes: 8192, flushIntervalMs: 60_000 });
      for (let i = 0; i < 400; i++) client.send(events.apiRequest({ id: `gz-${i}`, route: '/api/gzip', method: 'GET', status_code: 200, duration_seconds: 0.5 }));
      await client.flush();
      for (let i = 0; i < 3; i++) client.send(events.apiRequest({ id: `plain-${i}`, route: '/api/gzip', method: 'GET', status_code: 200, duration_seconds: 0.5 }));
      await client.close();
      expect(sentEncodings).toEqual(['gzip', undefined]);
      expect(client.stats()).toMatchObject({ sent: 403, accepted: 403, failed: 0 });
      const m = await scrape(agent);
      expect(sum(m, 'quality_billing_api_requests_total', { route: '/api/gzip' })).toBe(403);
    } finally {
      globalThis.fetch = realFetch;
    }
  });

  it('reports the agent\'s verdict on a bad token and an invalid event, without retrying', async () => {
    const errors: DeliveryError[] = [];
    const wrong = new QbAgentClient({ url: agent.url, token: 'nope', onError: (e) => errors.push(e) });
    wrong.send(events.userActivity({ user: 'u', state: 'active' }));
    await wrong.close();
    const client = new QbAgentClient({ url: agent.url, token: TOKEN, onError: (e) => errors.push(e) });
    client.send(events.invoice({ amount_cents: 1.5, currency: 'eur', quality_grade: 'A', billed_hours: 1 }));
    await client.close();
    expect(errors.map((e) => [e.status, e.code, e.events])).toEqual([
      [401, 'unauthorized', 1],
      [400, 'invalid_events', 1],
    ]);
    expect(errors[1]!.details).toEqual([
      { index: 0, path: '/amount_cents', message: 'must be an integer' },
      { index: 0, path: '/currency', message: 'must be an ISO 4217 code of three capital letters' },
    ]);
    expect([wrong.stats(), client.stats()].map((s) => [s.failed, s.retries])).toEqual([[1, 0], [1, 0]]);
  });
});

describe('client across an agent crash with durable state', () => {
  const dirs: string[] = [];
  const agents: AgentProcess[] = [];
  afterEach(async () => {
    for (const a of agents.splice(0)) await a.stop('SIGKILL');
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it(
    'kill -9 and restart mid-stream: the agent\'s counters equal what the client reports as delivered',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'qb-client-state-'));
      dirs.push(dir);
      const port = await freePort();
      const start = async () => {
        const a = await spawnAgent({ args: ['--http.port', String(port)], env: { QB_AGENT_STATE_DIR: dir, QB_AGENT_HOST_METRICS: 'false' } });
        agents.push(a);
        return a;
      };
      let agent = await start();
      const client = new QbAgentClient({ url: agent.url, maxBatchEvents: 25, flushIntervalMs: 10, initialBackoffMs: 50, maxBackoffMs: 400, maxRetries: 100 });
      const TOTAL = 2000;
      let killed = false;
      for (let i = 0; i < TOTAL; i++) {
        expect(client.send(events.workSession({ user: `u${i % 13}`, task_type: 'labeling', duration_seconds: 10, effective_seconds: 8 }))).toBe(true);
        // Keep the stream flowing: at most about 100 events wait in the buffer.
        if (i % 50 === 49) await eventually(async () => (client.stats().sent + 100 >= i ? true : undefined), 30_000, 'the client to keep up', 10);
        if (!killed && i === TOTAL / 2) {
          killed = true;
          await agent.stop('SIGKILL'); // mid-stream: events are queued, perhaps a batch in flight
          // The client now fails against the dead agent: restart once it has retried.
          await eventually(async () => (client.stats().retries > 0 ? true : undefined), 30_000, 'a retry against the dead agent', 10);
          agent = await start();
        }
      }
      await client.close({ timeoutMs: 30_000 });
      const stats = client.stats();
      expect(stats).toMatchObject({ sent: TOTAL, dropped: 0, failed: 0, buffered: 0 });
      expect(stats.retries).toBeGreaterThan(0); // the kill really interrupted the stream
      const m = await scrape(agent);
      expect(valueOf(m, 'quality_billing_work_sessions_total', { task_type: 'labeling' })).toBe(stats.sent);
      expect(valueOf(m, 'quality_billing_work_time_seconds_total', { task_type: 'labeling' })).toBe(stats.sent * 10);
    },
    90_000,
  );
});
