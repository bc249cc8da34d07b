import { afterEach, describe, expect, it } from 'vitest';
import { spawnAgent, type AgentProcess } from '../support/agent-process.ts';
import { parseExposition } from '../support/prom-text.ts';
import { eventually, postEvents } from '../support/workload.ts';

/**
 * Pull exactness at stop: an event accepted (202) just before SIGTERM is in the
 * last scrape Prometheus gets, because the agent refuses further events and
 * keeps /metrics up until one scrape collected it. The scraper here is a loop
 * playing Prometheus at a 1 s interval.
 */

const SCRAPE_INTERVAL_MS = 1000;
let agent: AgentProcess | undefined;
afterEach(async () => {
  await agent?.stop('SIGKILL');
});

function scraper(url: string) {
  let paused = false;
  let stopped = false;
  let lastBody = '';
  let scrapes = 0;
  const loop = (async () => {
    while (!stopped) {
      if (!paused) {
        try {
          const res = await fetch(`${url}/metrics`);
          if (res.ok) {
            lastBody = await res.text();
            scrapes++;
          }
        } catch {
          // the agent is gone
        }
      }
      await new Promise((r) => setTimeout(r, SCRAPE_INTERVAL_MS));
    }
  })();
  return {
    pause: () => (paused = true),
    resume: () => (paused = false),
    scrapes: () => scrapes,
    amount: () => parseExposition(lastBody).find((s) => s.name === 'quality_billing_invoice_amount_cents_total')?.value,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

describe('shutdown while Prometheus scrapes the agent', () => {
  it('refuses events once stopping, and keeps /metrics up until a scrape holds the last accepted event', async () => {
    agent = await spawnAgent();
    const scrape = scraper(agent.url);
    try {
      await eventually(async () => (scrape.scrapes() >= 2 ? true : undefined), 20_000, 'two scrapes');
      const invoice = { type: 'invoice', id: 'drain-1', amount_cents: 4242, currency: 'EUR', quality_grade: 'A', billed_hours: 1 };
      expect(await postEvents(agent.url, [invoice])).toEqual({ status: 202, body: { accepted: 1, duplicates: 0 } });
      // Hold the next scrape back, then stop the agent right after its 202.
      scrape.pause();
      void agent.stop('SIGTERM');
      await eventually(async () => ((await fetch(`${agent!.url}/readyz`)).status === 503 ? true : undefined), 5000, '/readyz to say stopping');
      const refused = await postEvents(agent.url, [{ ...invoice, id: 'drain-2' }]);
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ error: 'not_ready' });
      scrape.resume();
      expect(await agent.exited).toBe(0);
      expect(scrape.amount()).toBe(4242);
      expect(agent.logs.some((l) => l.msg === 'the last accepted events were scraped')).toBe(true);
    } finally {
      await scrape.stop();
    }
  });
});
