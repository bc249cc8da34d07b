import { describe, expect, it } from 'vitest';
import { createTestAgent } from '../support/in-process-agent.ts';
import { parseExposition, valueOf } from '../support/prom-text.ts';

const invoice = (id: string | undefined, amount: number) => ({ ...(id ? { id } : {}), type: 'invoice', amount_cents: amount, currency: 'EUR', quality_grade: 'A', billed_hours: 1 });

describe('Ingestor.replay (a journal record applied again after a restart)', () => {
  it('applies every event but the skipped positions, once per id, through the same door as commit, and counts no traffic', async () => {
    const t = createTestAgent();
    try {
      const ingestor = t.agent.ingestor;
      ingestor.replay([invoice('a', 5), invoice(undefined, 1), invoice('b', 100), invoice('c', 7)], [2]);
      // The same record again (written, answered 503 by a failed sync, then resent): its ids are duplicates now, its id-less event is not.
      ingestor.replay([invoice('a', 5), invoice(undefined, 1)], []);
      const m = parseExposition(await t.metrics());
      expect(valueOf(m, 'quality_billing_invoice_amount_cents_total', { currency: 'EUR', quality_grade: 'A' })).toBe(5 + 1 + 7 + 1);
      expect(valueOf(m, 'qb_agent_events_total', { type: 'invoice', outcome: 'accepted' })).toBe(0);
      // Their ids are remembered as commit() remembers them: resent live, they are duplicates.
      expect((await t.post([invoice('a', 5), invoice('c', 7), invoice('b', 100)])).body).toEqual({ accepted: 1, duplicates: 2 });
    } finally {
      await t.close();
    }
  });
});
