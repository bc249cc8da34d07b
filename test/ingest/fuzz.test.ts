import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestAgent, type TestAgent } from '../support/in-process-agent.ts';
import { parseExposition, select } from '../support/prom-text.ts';

let t: TestAgent;
beforeAll(() => {
  t = createTestAgent(['--business.cardinalityLimit', '50']);
});
afterAll(async () => {
  await t.close();
});

const label = fc.string({ minLength: 1, maxLength: 8 });
const validEvent = fc.oneof(
  fc.record({ type: fc.constant('work_session'), user: label, task_type: label, duration_seconds: fc.integer({ min: 10, max: 86400 }), effective_seconds: fc.integer({ min: 0, max: 10 }) }),
  fc.record({ type: fc.constant('user_activity'), user: label, state: fc.constantFrom('active', 'inactive') }),
  fc.record({ type: fc.constant('quality_assessment'), task_type: label, score: fc.double({ min: 0, max: 100, noNaN: true }) }),
  fc.record({ type: fc.constant('invoice'), amount_cents: fc.integer({ min: 0, max: 1_000_000 }), currency: fc.constantFrom('EUR', 'USD'), quality_grade: fc.constantFrom('A', 'B'), billed_hours: fc.integer({ min: 0, max: 100 }) }),
  fc.record({ type: fc.constant('api_request'), route: label, method: fc.constantFrom('GET', 'POST'), status_code: fc.integer({ min: 100, max: 599 }), duration_seconds: fc.double({ min: 0, max: 100, noNaN: true }) }),
);
/** A valid event with one field replaced by anything, or an extra field, or anything at all. */
const poisonedEvent = fc.oneof(
  fc.tuple(validEvent, fc.constantFrom('type', 'user', 'task_type', 'amount_cents', 'currency', 'score', 'status_code', 'duration_seconds', 'state'), fc.anything()).map(
    ([e, key, value]) => ({ ...e, [key]: value }),
  ),
  fc.tuple(validEvent, fc.string({ minLength: 1, maxLength: 10 }), fc.jsonValue()).map(([e, key, value]) => ({ ...e, [key]: value })),
  fc.anything(),
);

const invoiceTotal = async () =>
  select(parseExposition(await t.metrics()), 'quality_billing_invoice_amount_cents_total').reduce((sum, s) => sum + s.value, 0);

describe('random input at POST /v1/events', () => {
  it('never answers 5xx and never records part of a batch', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(validEvent, { maxLength: 20 }), fc.option(fc.tuple(poisonedEvent, fc.nat()), { nil: undefined }), async (events, poison) => {
        const batch: unknown[] = [...events];
        if (poison) batch.splice(poison[1] % (batch.length + 1), 0, poison[0]);
        const before = await t.businessMetrics();
        const beforeTotal = await invoiceTotal();
        const res = await t.post(batch);
        expect([202, 400]).toContain(res.status);
        if (res.status === 202) {
          expect(res.body).toEqual({ accepted: batch.length, duplicates: 0 });
          const sent = batch.reduce<number>((sum, e) => sum + ((e as { type?: string; amount_cents?: number }).type === 'invoice' ? (e as { amount_cents: number }).amount_cents : 0), 0);
          expect(await invoiceTotal()).toBe(beforeTotal + sent);
        } else {
          expect(await t.businessMetrics()).toBe(before);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('answers any body with a 4xx JSON error or 202, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify({ events: v }))),
        fc.constantFrom('application/json', 'application/x-ndjson'),
        async (raw, contentType) => {
          const before = await t.businessMetrics();
          const res = await t.post(undefined, { raw, contentType });
          expect(res.status).toBeLessThan(500);
          if (res.status !== 202) {
            expect(typeof res.body.error).toBe('string');
            expect(await t.businessMetrics()).toBe(before);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
