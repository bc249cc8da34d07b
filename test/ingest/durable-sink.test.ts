import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IdReservations } from '../../src/ingest/id-reservations.ts';
import { createTestAgent } from '../support/in-process-agent.ts';
import { parseExposition, valueOf } from '../support/prom-text.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const invoice = (id: string, amount: number) => ({ type: 'invoice', id, amount_cents: amount, currency: 'EUR', quality_grade: 'A', billed_hours: 1 });

describe('the durable sink', () => {
  it('counts an id once when two requests carry it at the same time: the second waits for the first write, then is a duplicate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qb-sink-'));
    dirs.push(dir);
    const t = createTestAgent(['--state.dir', dir]);
    t.agent.restoreState();
    try {
      const answers = await Promise.all([t.post([invoice('same', 5), invoice('a', 1)]), t.post([invoice('same', 5), invoice('b', 2)])]);
      // Whichever was checked first accepted both its events; the other found its copy of 'same' a duplicate.
      expect(answers.map((a) => a.body)).toContainEqual({ accepted: 2, duplicates: 0 });
      expect(answers.map((a) => a.body)).toContainEqual({ accepted: 1, duplicates: 1 });
      const m = parseExposition(await t.metrics());
      expect(valueOf(m, 'quality_billing_invoice_amount_cents_total', { currency: 'EUR', quality_grade: 'A' })).toBe(8);
      expect(t.agent.state!.stats().journalRecords).toBe(2);
    } finally {
      await t.close();
    }
  });
});

describe('IdReservations', () => {
  it('makes a batch with a reserved id wait until the reservation is released, and lets others through at once', async () => {
    const r = new IdReservations();
    expect(r.settled([{ id: 'x' }])).toBeUndefined();
    const release = r.reserve(['x', 'y']);
    expect(r.settled([{ id: 'z' }, { type: 'no id' }, null])).toBeUndefined();
    let settled = false;
    const waiting = r.settled([{ id: 'z' }, { id: 'y' }])!.then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    release();
    await waiting;
    expect(settled).toBe(true);
    expect(r.settled([{ id: 'x' }])).toBeUndefined();
  });

  it('waits again when another batch reserved the id meanwhile', async () => {
    const r = new IdReservations();
    const first = r.reserve(['x']);
    let settled = false;
    const waiting = r.settled([{ id: 'x' }])!.then(() => (settled = true));
    // The first write finishes and, in the same turn, another request reserves x before this one runs again.
    first();
    const second = r.reserve(['x']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    second();
    await waiting;
    expect(settled).toBe(true);
  });
});
