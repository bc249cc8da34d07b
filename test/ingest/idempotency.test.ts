import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestAgent, type TestAgent } from '../support/in-process-agent.ts';
import { parseExposition, valueOf } from '../support/prom-text.ts';
import { EVERY_TYPE_BATCH } from '../support/workload.ts';

let t: TestAgent;
beforeEach(() => {
  t = createTestAgent(['--ingest.dedupeWindowSec', '3600', '--ingest.dedupeMaxIds', '5']);
});
afterEach(async () => {
  await t.close();
});

const invoice = (id: string, amount = 100) => ({ type: 'invoice', id, amount_cents: amount, currency: 'EUR', quality_grade: 'A', billed_hours: 1 });
const amount = async () => valueOf(parseExposition(await t.metrics()), 'quality_billing_invoice_amount_cents_total', { currency: 'EUR', quality_grade: 'A' });

describe('idempotency', () => {
  it('replaying a batch with the same ids changes nothing', async () => {
    const big = createTestAgent();
    try {
      expect((await big.post(EVERY_TYPE_BATCH)).body).toEqual({ accepted: 9, duplicates: 0 });
      const after = await big.businessMetrics();
      expect((await big.post(EVERY_TYPE_BATCH)).body).toEqual({ accepted: 0, duplicates: 9 });
      expect(await big.businessMetrics()).toBe(after);
      // Keys in another order are the same content.
      const reordered = EVERY_TYPE_BATCH.map((e) => Object.fromEntries(Object.entries(e).reverse()));
      expect((await big.post(reordered)).body).toEqual({ accepted: 0, duplicates: 9 });
      const s = parseExposition(await big.metrics());
      expect(valueOf(s, 'qb_agent_events_total', { type: 'invoice', outcome: 'duplicate' })).toBe(4);
      expect(valueOf(s, 'qb_agent_dedupe_ids')).toBe(9);
    } finally {
      await big.close();
    }
  });

  it('records the new events of a partly retried batch', async () => {
    await t.post([invoice('a', 100)]);
    expect((await t.post([invoice('a', 100), invoice('b', 50)])).body).toEqual({ accepted: 1, duplicates: 1 });
    expect(await amount()).toBe(150);
  });

  it('a retry that stamps a new time is still a duplicate: time is informational', async () => {
    await t.post([{ ...invoice('a', 100), time: '2026-11-24T10:00:00Z' }]);
    expect((await t.post([{ ...invoice('a', 100), time: '2026-11-24T10:00:05Z' }])).body).toEqual({ accepted: 0, duplicates: 1 });
    expect(await amount()).toBe(100);
  });

  it('the same id twice in one batch is counted once', async () => {
    expect((await t.post([invoice('a', 100), invoice('a', 100)])).body).toEqual({ accepted: 1, duplicates: 1 });
    expect(await amount()).toBe(100);
  });

  it('an accepted id with other content is a 409 conflict and rejects the whole batch', async () => {
    await t.post([invoice('a', 100)]);
    const res = await t.post([invoice('b', 7), invoice('a', 999)]);
    expect(res).toEqual({
      status: 409,
      body: {
        error: 'id_conflict',
        message: '1 event ids conflict with accepted events; nothing in the batch was recorded',
        details: [{ index: 1, id: 'a', message: 'this id was already accepted with different content' }],
      },
    });
    expect(await amount()).toBe(100);
    // b was not remembered either: sending it now records it.
    expect((await t.post([invoice('b', 7)])).body).toEqual({ accepted: 1, duplicates: 0 });
  });

  it('conflicting content for one id inside a batch is a conflict', async () => {
    const res = await t.post([invoice('a', 1), invoice('a', 2)]);
    expect(res.status).toBe(409);
    expect(res.body.details).toEqual([{ index: 1, id: 'a', message: 'this id was already accepted with different content' }]);
    expect(await t.businessMetrics()).not.toContain('quality_billing_invoice');
  });

  it('forgets ids after the dedupe window', async () => {
    await t.post([invoice('a', 100)]);
    t.advance(3_599_000);
    expect((await t.post([invoice('a', 100)])).body).toEqual({ accepted: 0, duplicates: 1 });
    t.advance(2_000);
    expect((await t.post([invoice('a', 100)])).body).toEqual({ accepted: 1, duplicates: 0 });
    expect(await amount()).toBe(200);
  });

  it('keeps at most ingest.dedupeMaxIds ids, forgetting the oldest first', async () => {
    await t.post(['a', 'b', 'c', 'd', 'e', 'f'].map((id) => invoice(id)));
    expect(valueOf(parseExposition(await t.metrics()), 'qb_agent_dedupe_ids')).toBe(5);
    expect((await t.post([invoice('f'), invoice('b')])).body).toEqual({ accepted: 0, duplicates: 2 });
    expect((await t.post([invoice('a')])).body).toEqual({ accepted: 1, duplicates: 0 });
  });
});
