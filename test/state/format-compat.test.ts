import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestAgent } from '../support/in-process-agent.ts';
import { parseExposition, valueOf } from '../support/prom-text.ts';
import { ROOT } from '../support/tools.ts';

/**
 * test/fixtures/state/v2 was written by the release before the storage
 * library was split out (commit f6f37df): snapshot 1 (ten events of every
 * type, an invoice and an assessment folded into overflow series at
 * business.cardinalityLimit 3) and one NDJSON record after it (a duplicate,
 * an inactive user, an id-less event, a negative improvement). metrics.txt
 * is what that agent's /metrics showed.
 */
const FIXTURE = join(ROOT, 'test', 'fixtures', 'state', 'v2');
// That release put no resource attribute on the series (metrics.resourceConstantLabels came later): expose as it did.
const ARGS = ['--business.cardinalityLimit', '3', '--metrics.resourceConstantLabels', ''];

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function restoredAgent() {
  const dir = mkdtempSync(join(tmpdir(), 'qb-compat-'));
  dirs.push(dir);
  cpSync(FIXTURE, dir, { recursive: true });
  const t = createTestAgent(['--state.dir', dir, ...ARGS]);
  t.advance(3000); // the fixture's agent had advanced its clock by 3 s
  t.agent.restoreState();
  return t;
}

describe('a state dir of the previous release', () => {
  it('restores to exactly the /metrics that release showed, through the snapshot and the journal after it', async () => {
    const t = restoredAgent();
    try {
      expect(await t.businessMetrics()).toBe(readFileSync(join(FIXTURE, 'metrics.txt'), 'utf8').trimEnd());
      expect(t.agent.state!.stats()).toMatchObject({ restoredSnapshotSeq: 1, replayedRecords: 1 });
    } finally {
      await t.close();
    }
  });

  it('keeps its event ids and its series: a resent event is a duplicate, a known label set is not an overflow, a new one is', async () => {
    const t = restoredAgent();
    try {
      const resent = [
        { type: 'user_activity', id: 'ua-2', user: 'ann', state: 'inactive' },
        { type: 'invoice', id: 'inv-1', amount_cents: 123456, currency: 'EUR', quality_grade: 'A', billed_hours: 10 },
        { type: 'quality_assessment', id: 'qa-3', task_type: 'review', score: 71.5, previous_score: 90, user: 'bob' },
      ];
      expect((await t.post(resent)).body).toEqual({ accepted: 0, duplicates: 3 });
      const fresh = [
        { type: 'quality_assessment', task_type: 'labeling', score: 95 },
        { type: 'invoice', amount_cents: 5, currency: 'USD', quality_grade: 'B', billed_hours: 1 },
        { type: 'invoice', amount_cents: 9, currency: 'JPY', quality_grade: 'A', billed_hours: 1 },
      ];
      expect((await t.post(fresh)).body).toEqual({ accepted: 3, duplicates: 0 });
      const m = parseExposition(await t.metrics());
      expect(valueOf(m, 'quality_billing_quality_assessments_total', { task_type: 'labeling', grade: 'A' })).toBe(2);
      expect(valueOf(m, 'quality_billing_quality_assessments_total', { otel_metric_overflow: 'true' })).toBe(1);
      expect(valueOf(m, 'quality_billing_invoice_amount_cents_total', { currency: 'USD', quality_grade: 'B' })).toBe(5005);
      expect(valueOf(m, 'quality_billing_invoice_amount_cents_total', { otel_metric_overflow: 'true' })).toBe(709);
    } finally {
      await t.close();
    }
  });
});
