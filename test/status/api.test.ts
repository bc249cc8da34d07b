import { afterEach, describe, expect, it } from 'vitest';
import { createTestAgent, type TestAgent } from '../support/in-process-agent.ts';
import { STATUS_ASSETS } from '../../src/status/assets.generated.ts';
import { STATUS_CSP } from '../../src/status/routes.ts';
import type { StatusReport } from '../../src/status/report.ts';

const T0 = Date.parse('2026-11-24T10:00:00Z');
const invoice = (id: string, currency = 'EUR') => ({ type: 'invoice', id, amount_cents: 1250, currency, quality_grade: 'A', billed_hours: 1.5 });
const session = { type: 'work_session', user: 'u1', task_type: 'labeling', duration_seconds: 60, effective_seconds: 50 };
const typo = { type: 'invoice', amount_cent: 990, currency: 'EUR', quality_grade: 'B', billed_hours: 2 };

let t: TestAgent;
afterEach(async () => {
  await t?.close();
});

async function status(headers: Record<string, string> = {}) {
  const res = await t.agent.app.inject({ method: 'GET', url: '/api/status', headers });
  return { res, body: res.json() as StatusReport };
}

describe('GET /api/status after known traffic', () => {
  it('reports exact counts per type, outcome and status code, and the rejections newest first', async () => {
    t = createTestAgent(['--business.cardinalityLimit', '3']);
    expect((await t.post([invoice('i1'), invoice('i2', 'USD'), session])).status).toBe(202);
    expect((await t.post([invoice('i1')])).status).toBe(202);
    expect((await t.post([invoice('i3'), typo])).status).toBe(400);
    t.advance(12_000); // the next 10 s bucket
    expect((await t.post(null, { raw: '{"events": [oops' })).status).toBe(400);
    expect((await t.post(null, { raw: 'a,b', contentType: 'text/csv' })).status).toBe(415);
    expect((await t.post([invoice('i4', 'GBP')])).status).toBe(202); // a third currency: past the limit of 3
    t.advance(3_000);

    const { res, body } = await status();
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toBe(STATUS_CSP);
    expect(body.version).toBe('0.0.0-test');
    expect(body.startedAt).toBe('2026-11-24T10:00:00.000Z');
    expect(body.now).toBe('2026-11-24T10:00:15.000Z');
    expect(body.uptimeSeconds).toBe(15);
    expect(body.paths).toEqual({
      pull: { enabled: true, path: '/metrics' },
      push: { enabled: false, endpoint: null, intervalMs: 15000 },
      durableState: { enabled: false },
    });
    expect(body.durableState).toEqual({ enabled: false });
    expect(body.push).toEqual({ enabled: false, successes: 0, failures: 0, consecutiveFailures: 0, lastSuccess: null, lastError: null, lastErrorAt: null });

    expect(body.ingest.bucketSeconds).toBe(10);
    expect(body.ingest.windowSeconds).toBe(300);
    expect(body.ingest.buckets).toHaveLength(30);
    expect(body.ingest.buckets.at(-1)).toEqual({ startMs: T0 + 10_000, events: { invoice: { accepted: 1, duplicate: 0, rejected: 0 } }, requests: { 202: 1, 400: 1, 415: 1 } });
    expect(body.ingest.buckets.at(-2)).toEqual({
      startMs: T0,
      events: { invoice: { accepted: 2, duplicate: 1, rejected: 2 }, work_session: { accepted: 1, duplicate: 0, rejected: 0 } },
      requests: { 202: 2, 400: 1 },
    });
    expect(body.ingest.buckets.slice(0, 28).every((b) => Object.keys(b.events).length === 0 && Object.keys(b.requests).length === 0)).toBe(true);
    expect(body.ingest.buckets[0]!.startMs).toBe(T0 - 280_000);
    expect(body.ingest.totals).toEqual({
      events: { invoice: { accepted: 3, duplicate: 1, rejected: 2 }, work_session: { accepted: 1, duplicate: 0, rejected: 0 } },
      requests: { 202: 3, 400: 2, 415: 1 },
    });

    expect(body.rejections.total).toBe(3);
    expect(body.rejections.capacity).toBe(50);
    expect(body.rejections.recent).toEqual([
      {
        time: '2026-11-24T10:00:12.000Z', client: '127.0.0.1', status: 415, error: 'unsupported_media_type',
        message: 'Content-Type must be application/json or application/x-ndjson', details: [], detailsTotal: 0, payload: null, payloadTruncated: false,
      },
      {
        time: '2026-11-24T10:00:12.000Z', client: '127.0.0.1', status: 400, error: 'malformed_body',
        message: expect.stringMatching(/^invalid JSON: /), details: [], detailsTotal: 0, payload: '{"events": [oops', payloadTruncated: false,
      },
      {
        time: '2026-11-24T10:00:00.000Z', client: '127.0.0.1', status: 400, error: 'invalid_events',
        message: '1 of 2 events are invalid; nothing in the batch was recorded',
        details: [
          { index: 1, path: '/amount_cents', message: 'is required' },
          { index: 1, path: '/amount_cent', message: 'is not a known field of this event type' },
        ],
        detailsTotal: 2,
        payload: JSON.stringify(typo),
        payloadTruncated: false,
      },
    ]);

    const cardinality = Object.fromEntries(body.cardinality.map((c) => [c.metric, c]));
    expect(body.cardinality).toHaveLength(11);
    expect(cardinality.quality_billing_invoices).toEqual({ metric: 'quality_billing_invoices', series: 3, limit: 3, overflowed: 1 });
    expect(cardinality.quality_billing_work_sessions).toEqual({ metric: 'quality_billing_work_sessions', series: 1, limit: 3, overflowed: 0 });
    expect(cardinality.quality_billing_api_requests).toEqual({ metric: 'quality_billing_api_requests', series: 0, limit: 3, overflowed: 0 });
  });

  it('forgets traffic older than the five-minute window, bucket by bucket', async () => {
    t = createTestAgent();
    expect((await t.post([session])).status).toBe(202);
    t.advance(290_000);
    expect((await status()).body.ingest.totals.events).toEqual({ work_session: { accepted: 1, duplicate: 0, rejected: 0 } });
    t.advance(10_000);
    const { body } = await status();
    expect(body.ingest.totals).toEqual({ events: {}, requests: {} });
    expect(body.rejections.total).toBe(0);
    expect(body.uptimeSeconds).toBe(300);
  });

  it('keeps the offending event of an NDJSON batch and truncates long payloads to 512 characters', async () => {
    t = createTestAgent();
    const ndjson = `${JSON.stringify(session)}\n\n${JSON.stringify({ ...session, effective_seconds: 61 })}\n`;
    expect((await t.post(null, { raw: ndjson, contentType: 'application/x-ndjson' })).status).toBe(400);
    const long = `{"events": [${'x'.repeat(2000)}`;
    expect((await t.post(null, { raw: long })).status).toBe(400);
    const [malformed, invalid] = (await status()).body.rejections.recent;
    expect(invalid!.payload).toBe(JSON.stringify({ ...session, effective_seconds: 61 }));
    expect(invalid!.details).toEqual([{ index: 1, path: '/effective_seconds', message: 'must not exceed duration_seconds' }]);
    expect(malformed!.payload).toBe(long.slice(0, 512));
    expect(malformed!.payloadTruncated).toBe(true);
  });

  it('lists an id conflict with the id', async () => {
    t = createTestAgent();
    expect((await t.post([invoice('dup')])).status).toBe(202);
    expect((await t.post([{ ...invoice('dup'), amount_cents: 1 }])).status).toBe(409);
    const [conflict] = (await status()).body.rejections.recent;
    expect(conflict!.error).toBe('id_conflict');
    expect(conflict!.details).toEqual([{ index: 0, message: 'this id was already accepted with different content (id "dup")' }]);
    expect(conflict!.payload).toBe(JSON.stringify({ ...invoice('dup'), amount_cents: 1 }));
  });
});

describe('status access', () => {
  const INGEST = 'ingest-secret-1';
  const STATUS = 'status-secret-2';

  it('with ingest tokens: /api/status needs one of them or status.token; the page shell is static and holds no data', async () => {
    t = createTestAgent([], { QB_AGENT_INGEST_TOKENS: INGEST, QB_AGENT_STATUS_TOKEN: STATUS });
    const missing = await status();
    expect(missing.res.statusCode).toBe(401);
    expect(missing.res.headers['www-authenticate']).toBe('Bearer realm="qb-agent status"');
    expect(missing.body).toEqual({ error: 'unauthorized', message: 'missing or invalid bearer token: use one of ingest.tokens or status.token' });
    expect((await status({ authorization: 'Bearer nope' })).res.statusCode).toBe(401);
    expect((await status({ authorization: `Bearer ${INGEST}` })).res.statusCode).toBe(200);
    const ok = await status({ authorization: `Bearer ${STATUS}` });
    expect(ok.res.statusCode).toBe(200);
    expect(ok.body.config.ingest!.tokens).toBe('[REDACTED]');
    expect(ok.body.config.status!.token).toBe('[REDACTED]');
    expect(JSON.stringify(ok.body)).not.toContain(INGEST);
    expect(JSON.stringify(ok.body)).not.toContain(STATUS);

    const page = await t.agent.app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(STATUS_CSP);
    expect(page.body).toBe(STATUS_ASSETS.html);
  });

  it('never records the Authorization header of a rejected request', async () => {
    t = createTestAgent([], { QB_AGENT_INGEST_TOKENS: INGEST });
    expect((await t.post([typo], { headers: { authorization: `Bearer ${INGEST}` } })).status).toBe(400);
    expect((await t.post([session], { headers: { authorization: 'Bearer guessed-token' } })).status).toBe(401);
    const { body } = await status({ authorization: `Bearer ${INGEST}` });
    expect(body.rejections.recent.map((r) => [r.status, r.error, r.payload])).toEqual([
      [401, 'unauthorized', null],
      [400, 'invalid_events', JSON.stringify(typo)],
    ]);
    expect(JSON.stringify(body.rejections)).not.toContain('guessed-token');
    expect(JSON.stringify(body.rejections)).not.toContain(INGEST);
  });

  it('with only status.token set, it is required', async () => {
    t = createTestAgent([], { QB_AGENT_STATUS_TOKEN: STATUS });
    expect((await status()).res.statusCode).toBe(401);
    expect((await status({ authorization: `Bearer ${STATUS}` })).res.statusCode).toBe(200);
  });

  it('on loopback without tokens it is open', async () => {
    t = createTestAgent();
    expect((await status()).res.statusCode).toBe(200);
  });
});
