import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestAgent, type TestAgent } from '../support/in-process-agent.ts';
import { parseExposition, valueOf } from '../support/prom-text.ts';
import { EVERY_TYPE_BATCH } from '../support/workload.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const invoice = (id: string | undefined, amount: number, currency = 'EUR') => ({ ...(id ? { id } : {}), type: 'invoice', amount_cents: amount, currency, quality_grade: 'A', billed_hours: 0.5 });
const ndjson = (events: unknown[]) => `${events.map((e) => JSON.stringify(e)).join('\n')}\n`;

/** Requests of every shape the journal must replay exactly: partly duplicate, duplicates inside a batch, no ids, NDJSON, odd spacing. */
const REQUESTS: Array<{ events: unknown[]; raw?: string; contentType?: string; answer: { accepted: number; duplicates: number } }> = [
  { events: [...EVERY_TYPE_BATCH], answer: { accepted: 9, duplicates: 0 } },
  { events: [EVERY_TYPE_BATCH[5], invoice('x-1', 700), EVERY_TYPE_BATCH[0]], answer: { accepted: 1, duplicates: 2 } },
  { events: [invoice('x-2', 10), invoice('x-2', 10), invoice('x-3', 20), invoice('x-2', 10)], answer: { accepted: 2, duplicates: 2 } },
  { events: [invoice(undefined, 5), invoice(undefined, 5), invoice('x-4', 1, 'USD')], answer: { accepted: 3, duplicates: 0 } },
  {
    events: [],
    raw: ndjson([invoice('x-1', 700), { type: 'user_activity', id: 'ua-2', user: 'Zoë 😀', state: 'active' }, invoice(undefined, 3)]),
    contentType: 'application/x-ndjson',
    answer: { accepted: 2, duplicates: 1 },
  },
  { events: [], raw: ` { "events" : [ ${JSON.stringify(invoice('x-5', 1.0e2))} ] } `, answer: { accepted: 1, duplicates: 0 } },
  { events: [...EVERY_TYPE_BATCH], answer: { accepted: 0, duplicates: 9 } },
];

function agentOn(dir: string, maxIds = 1_000_000): TestAgent {
  const t = createTestAgent(['--state.dir', dir, '--ingest.dedupeWindowSec', '86400', '--ingest.dedupeMaxIds', String(maxIds)]);
  t.agent.restoreState();
  return t;
}

async function send(t: TestAgent, r: (typeof REQUESTS)[number]) {
  return t.post(r.events, { ...(r.raw ? { raw: r.raw } : {}), ...(r.contentType ? { contentType: r.contentType } : {}) });
}

describe('journal replay', () => {
  it('restores from the journal alone exactly what was acknowledged, including partly duplicate batches', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qb-replay-'));
    const copy = mkdtempSync(join(tmpdir(), 'qb-replay-copy-'));
    dirs.push(dir, copy);
    const first = agentOn(dir);
    let elapsed = 0;
    for (const r of REQUESTS) {
      const res = await send(first, r);
      expect(res.status).toBe(202);
      expect(res.body).toEqual(r.answer);
      first.advance(61_000);
      elapsed += 61_000;
    }
    const before = await first.businessMetrics();
    expect(before).toContain('quality_billing_');

    // What a crash leaves on disk: the journal (no snapshot was taken), copied while the first agent still runs.
    cpSync(dir, copy, { recursive: true });
    expect(readdirSync(copy).filter((n) => n.startsWith('snapshot-'))).toEqual([]);
    const second = agentOn(copy);
    try {
      second.advance(elapsed);
      expect(await second.businessMetrics()).toBe(before);
      // One record per request that recorded something: the all-duplicate one wrote nothing.
      expect(second.agent.state!.stats().replayedRecords).toBe(REQUESTS.length - 1);
      // Dedupe state came back too: every id'd event is now a duplicate, id-less ones are counted again.
      expect((await send(second, REQUESTS[2]!)).body).toEqual({ accepted: 0, duplicates: 4 });
      expect((await send(second, REQUESTS[4]!)).body).toEqual({ accepted: 1, duplicates: 2 });
    } finally {
      await second.close();
      await first.close();
    }
  });

  it('skips at replay exactly the events answered duplicate, even when dedupe has forgotten their ids since', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qb-replay-'));
    const copy = mkdtempSync(join(tmpdir(), 'qb-replay-copy-'));
    dirs.push(dir, copy);
    const first = agentOn(dir, 2);
    expect((await first.post([invoice('a', 1), invoice('b', 2)])).body).toEqual({ accepted: 2, duplicates: 0 });
    // Concurrent: 'a' is still remembered when the second batch is checked, and forgotten (evicted by 'c')
    // before it is applied. Re-checking at replay would count 'a' again; the record says it was a duplicate.
    const [one, two] = await Promise.all([first.post([invoice('c', 4)]), first.post([invoice('a', 1), invoice('d', 8)])]);
    expect(one.body).toEqual({ accepted: 1, duplicates: 0 });
    expect(two.body).toEqual({ accepted: 1, duplicates: 1 });
    const before = await first.businessMetrics();
    expect(valueOf(parseExposition(await first.metrics()), 'quality_billing_invoice_amount_cents_total', { currency: 'EUR', quality_grade: 'A' })).toBe(15);

    cpSync(dir, copy, { recursive: true });
    const second = agentOn(copy, 2);
    try {
      expect(await second.businessMetrics()).toBe(before);
    } finally {
      await second.close();
      await first.close();
    }
  });
});
