import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_EVENT_DEPTH } from '../../src/ingest/parse-body.ts';
import { createTestAgent, type TestAgent } from '../support/in-process-agent.ts';
import { parseExposition, select } from '../support/prom-text.ts';

let t: TestAgent;
/** Two more agents fed the same requests, one plain and one gzip-compressed: they must stay identical. */
let plain: TestAgent;
let gzipped: TestAgent;
beforeAll(() => {
  t = createTestAgent(['--business.cardinalityLimit', '50']);
  plain = createTestAgent(['--business.cardinalityLimit', '50']);
  gzipped = createTestAgent(['--business.cardinalityLimit', '50']);
});
afterAll(async () => {
  await Promise.all([t.close(), plain.close(), gzipped.close()]);
});

async function send(agent: TestAgent, payload: string | Buffer, headers: Record<string, string>) {
  const res = await agent.agent.app.inject({ method: 'POST', url: '/v1/events', headers, payload });
  return { status: res.statusCode, body: res.json() as Record<string, unknown>, headers: res.headers };
}

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

  it('answers a gzip body exactly as the same body uncompressed, and records the same', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.array(fc.oneof(validEvent, poisonedEvent), { maxLength: 20 }).map((events) => JSON.stringify({ events })),
          fc.array(validEvent, { minLength: 1, maxLength: 20 }).map((events) => events.map((e) => JSON.stringify(e)).join('\n')),
          fc.string(),
        ),
        fc.constantFrom('application/json', 'application/x-ndjson'),
        fc.constantFrom('gzip', 'x-gzip', 'GZIP', ' gzip '),
        async (raw, contentType, coding) => {
          const a = await send(plain, raw, { 'content-type': contentType });
          const b = await send(gzipped, gzipSync(raw), { 'content-type': contentType, 'content-encoding': coding });
          expect({ status: b.status, body: b.body }).toEqual({ status: a.status, body: a.body });
          expect(await gzipped.businessMetrics()).toBe(await plain.businessMetrics());
        },
      ),
      { numRuns: 200 },
    );
  });

  it('answers a damaged gzip body as if intact (bytes gzip does not check) or as malformed_body, recording nothing then', async () => {
    const body = JSON.stringify({ events: [{ type: 'invoice', amount_cents: 7, currency: 'EUR', quality_grade: 'A', billed_hours: 1 }] });
    const packed = gzipSync(body);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ at: fc.nat(packed.length - 1), xor: fc.integer({ min: 1, max: 255 }) }).map(({ at, xor }) => {
            const copy = Buffer.from(packed);
            copy[at] = copy[at]! ^ xor;
            return copy;
          }),
          fc.nat(packed.length - 1).map((n) => packed.subarray(0, n)),
        ),
        async (damaged) => {
          const before = await t.businessMetrics();
          const res = await send(t, damaged, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
          if (res.status === 202) {
            expect(res.body).toEqual({ accepted: 1, duplicates: 0 });
          } else {
            expect(res.status).toBe(400);
            expect(res.body.error).toBe('malformed_body');
            expect(String(res.body.message)).toMatch(/^the gzip body cannot be decompressed: /);
            expect(await t.businessMetrics()).toBe(before);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses any other Content-Encoding with 415 naming it, recording nothing', async () => {
    const body = JSON.stringify({ events: [{ type: 'user_activity', user: 'u', state: 'active' }] });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom('deflate', 'br', 'zstd', 'compress', 'gzip, gzip', 'identity, gzip', 'x-compress'), fc.stringMatching(/^[a-z0-9-]{1,12}$/)),
        async (coding) => {
          fc.pre(!['gzip', 'x-gzip', 'identity'].includes(coding));
          const before = await t.businessMetrics();
          const res = await send(t, body, { 'content-type': 'application/json', 'content-encoding': coding });
          expect(res.status).toBe(415);
          expect(res.body).toEqual({ error: 'unsupported_encoding', message: `Content-Encoding ${JSON.stringify(coding)} is not supported; send gzip, or identity (uncompressed)` });
          expect(res.headers['accept-encoding']).toBe('gzip, identity');
          expect(await t.businessMetrics()).toBe(before);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('answers nesting at any depth with a coded 400: the field\'s problem up to the limit, malformed_body beyond', async () => {
    const nest = (depth: number, asObject: boolean, leaf: unknown): unknown => {
      let value = leaf;
      for (let i = 0; i < depth; i++) value = asObject ? { k: value } : [value];
      return value;
    };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 * MAX_EVENT_DEPTH }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom('application/json', 'application/x-ndjson'),
        fc.boolean(),
        async (depth, asObject, inField, contentType, compress) => {
          // The event itself nested `depth` levels, or a field of a valid event holding `depth` levels (the event then has depth + 1).
          const event = inField ? { type: 'user_activity', user: nest(depth, asObject, 'u'), state: 'active' } : nest(depth, asObject, { type: 'user_activity' });
          const eventDepth = depth + 1; // the item of the batch is level 1
          const raw = contentType === 'application/json' ? JSON.stringify({ events: [event] }) : JSON.stringify(event);
          const before = await t.businessMetrics();
          const res = await send(t, compress ? gzipSync(raw) : raw, { 'content-type': contentType, ...(compress ? { 'content-encoding': 'gzip' } : {}) });
          expect(res.status).toBe(400);
          if (eventDepth > MAX_EVENT_DEPTH) {
            expect(res.body).toEqual({ error: 'malformed_body', message: `event 0 nests arrays or objects more than ${MAX_EVENT_DEPTH} levels deep; events are flat objects of strings and numbers` });
          } else {
            expect(res.body.error).toBe('invalid_events');
          }
          expect(await t.businessMetrics()).toBe(before);
        },
      ),
      { numRuns: 300 },
    );
  });
});
