import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE, type MetricSpec } from '../../src/business/catalogue.ts';
import { EVENT_TYPES } from '../../src/business/events.ts';
import { createTestAgent, type TestAgent } from '../support/in-process-agent.ts';
import { parseExposition, type Sample } from '../support/prom-text.ts';

/**
 * Every business series on /metrics carries exactly its catalogue row's labels
 * (plus the exporter's otel_scope_* and, on buckets, le), or is the overflow
 * series: for every event type, every optional field, and past the cardinality
 * limit. This is what lets the business views go without an attribute
 * allow-list processor: CardinalityGuard hands the SDK only objects built by
 * BusinessRecorder from catalogue labels (or OVERFLOW_ATTRIBUTES), and both
 * readers share the views' single storage, so the OTLP push carries the same
 * attribute sets as this exposition.
 */
const LIMIT = 12;
let t: TestAgent;
beforeAll(() => {
  t = createTestAgent(['--business.cardinalityLimit', String(LIMIT)]);
});
afterAll(async () => {
  await t.close();
});

/** Labels the pull exporter adds to every series: the scope, and the agent's identity (metrics.resourceConstantLabels). */
const SCOPE = ['otel_scope_name', 'otel_scope_version', 'service_instance_id'];
const OVERFLOW = 'otel_metric_overflow';
const label = fc.string({ minLength: 1, maxLength: 6 }).filter((s) => !/[\u0000-\u001f\u007f]/.test(s));
const time = fc.constant('2026-11-24T10:00:00Z');
const events = fc.oneof(
  fc.record({ type: fc.constant('work_session'), time, user: label, task_type: label, duration_seconds: fc.constant(10), effective_seconds: fc.integer({ min: 0, max: 10 }) }, { requiredKeys: ['type', 'user', 'task_type', 'duration_seconds', 'effective_seconds'] }),
  fc.record({ type: fc.constant('user_activity'), time, user: label, state: fc.constantFrom('active', 'inactive') }, { requiredKeys: ['type', 'user', 'state'] }),
  fc.record(
    { type: fc.constant('quality_assessment'), time, task_type: label, score: fc.double({ min: 0, max: 100, noNaN: true }), previous_score: fc.double({ min: 0, max: 100, noNaN: true }), user: label },
    { requiredKeys: ['type', 'task_type', 'score'] },
  ),
  fc.record(
    { type: fc.constant('invoice'), time, amount_cents: fc.integer({ min: 0, max: 1e6 }), currency: fc.constantFrom('EUR', 'USD', 'JPY'), quality_grade: label, billed_hours: fc.integer({ min: 0, max: 9 }) },
    { requiredKeys: ['type', 'amount_cents', 'currency', 'quality_grade', 'billed_hours'] },
  ),
  fc.record(
    { type: fc.constant('api_request'), time, route: label, method: fc.constantFrom('GET', 'POST', 'PATCH'), status_code: fc.integer({ min: 100, max: 599 }), duration_seconds: fc.double({ min: 0, max: 60, noNaN: true }) },
    { requiredKeys: ['type', 'route', 'method', 'status_code', 'duration_seconds'] },
  ),
);

/** The catalogue row a sample belongs to (by name, with the exporter's suffixes), and whether it is a bucket. */
function rowOf(sample: Sample): { spec: MetricSpec; bucket: boolean } | undefined {
  for (const spec of Object.values(CATALOGUE) as MetricSpec[]) {
    const names = spec.kind === 'counter' ? [`${spec.name}_total`] : spec.kind === 'histogram' ? [`${spec.name}_bucket`, `${spec.name}_sum`, `${spec.name}_count`] : [spec.name];
    if (names.includes(sample.name)) return { spec, bucket: sample.name.endsWith('_bucket') };
  }
  return undefined;
}

describe('business series labels', () => {
  it('are exactly the catalogue labels (plus otel_scope_* and service_instance_id), or the overflow label, for every event type', async () => {
    let nextId = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(events, fc.boolean()), { minLength: 1, maxLength: 30 }), async (batch) => {
        // Some events carry a fresh id (ids and time never become labels).
        const body = batch.map(([e, withId]) => (withId ? { ...e, id: `id-${nextId++}` } : e));
        const res = await t.post(body);
        expect(res.status, JSON.stringify(res.body)).toBe(202);
      }),
      { numRuns: 60 },
    );
    // Every event type with every optional field at least once, whatever the generator chose.
    await t.post([
      { type: 'work_session', id: 'w', time: '2026-11-24T10:00:00Z', user: 'u', task_type: 'x', duration_seconds: 2, effective_seconds: 1 },
      { type: 'user_activity', id: 'ua', time: '2026-11-24T10:00:00Z', user: 'u', state: 'active' },
      { type: 'quality_assessment', id: 'q', time: '2026-11-24T10:00:00Z', task_type: 'x', score: 50, previous_score: 60, user: 'u' },
      { type: 'invoice', id: 'i', time: '2026-11-24T10:00:00Z', amount_cents: 1, currency: 'EUR', quality_grade: 'A', billed_hours: 1 },
      { type: 'api_request', id: 'a', time: '2026-11-24T10:00:00Z', route: '/r', method: 'GET', status_code: 200, duration_seconds: 0.1 },
    ]);

    const samples = parseExposition(await t.metrics());
    const seen = new Set<string>();
    let overflowSeries = 0;
    for (const sample of samples) {
      const row = rowOf(sample);
      if (!row) continue;
      seen.add(row.spec.name);
      const names = Object.keys(sample.labels).filter((k) => k !== 'le' || !row.bucket).sort();
      const expected = OVERFLOW in sample.labels ? [OVERFLOW, ...SCOPE] : [...row.spec.labels, ...SCOPE];
      expect(names, `${sample.name}${JSON.stringify(sample.labels)}`).toEqual([...expected].sort());
      if (OVERFLOW in sample.labels) {
        expect(sample.labels[OVERFLOW]).toBe('true');
        overflowSeries++;
      }
      if (row.bucket) expect(sample.labels.le).toBeDefined();
    }
    // Every catalogue metric was recorded, so every event type's recording path was checked.
    expect([...seen].sort()).toEqual(Object.values(CATALOGUE).map((s) => s.name).sort());
    expect(EVENT_TYPES.length).toBe(5);
    // The limit was passed, so the overflow path was checked too.
    expect(overflowSeries).toBeGreaterThan(0);
  });
});
