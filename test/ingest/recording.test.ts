import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestAgent, type TestAgent } from '../support/in-process-agent.ts';
import { parseExposition, select, valueOf } from '../support/prom-text.ts';

let t: TestAgent;
beforeEach(() => {
  t = createTestAgent(['--business.activeUserWindowSec', '60']);
});
afterEach(async () => {
  await t.close();
});

async function samples() {
  return parseExposition(await t.metrics());
}

/** Bucket counts of one histogram series as {le: count}. */
function buckets(all: ReturnType<typeof parseExposition>, name: string, labels: Record<string, string>) {
  return Object.fromEntries(select(all, `${name}_bucket`, labels).map((s) => [s.labels.le, s.value]));
}

describe('recording each event type exactly', () => {
  it('work_session: work time, effective time and sessions per task type', async () => {
    const res = await t.post([
      { type: 'work_session', user: 'a', task_type: 'labeling', duration_seconds: 3600, effective_seconds: 3000 },
      { type: 'work_session', user: 'b', task_type: 'labeling', duration_seconds: 0.5, effective_seconds: 0.25 },
      { type: 'work_session', user: 'a', task_type: 'review', duration_seconds: 86400, effective_seconds: 86400 },
    ]);
    expect(res).toEqual({ status: 202, body: { accepted: 3, duplicates: 0 } });
    const s = await samples();
    expect(valueOf(s, 'quality_billing_work_time_seconds_total', { task_type: 'labeling' })).toBe(3600.5);
    expect(valueOf(s, 'quality_billing_work_time_seconds_total', { task_type: 'review' })).toBe(86400);
    expect(valueOf(s, 'quality_billing_effective_work_time_seconds_total', { task_type: 'labeling' })).toBe(3000.25);
    expect(valueOf(s, 'quality_billing_effective_work_time_seconds_total', { task_type: 'review' })).toBe(86400);
    expect(valueOf(s, 'quality_billing_work_sessions_total', { task_type: 'labeling' })).toBe(2);
    expect(valueOf(s, 'quality_billing_work_sessions_total', { task_type: 'review' })).toBe(1);
  });

  it('quality_assessment: score histogram, assessments by grade, improvement histogram', async () => {
    await t.post([
      { type: 'quality_assessment', task_type: 'labeling', score: 100 },
      { type: 'quality_assessment', task_type: 'labeling', score: 90, previous_score: 95 },
      { type: 'quality_assessment', task_type: 'labeling', score: 89.99, previous_score: 70 },
      { type: 'quality_assessment', task_type: 'labeling', score: 70 },
      { type: 'quality_assessment', task_type: 'labeling', score: 0, previous_score: 100 },
    ]);
    const s = await samples();
    const labels = { task_type: 'labeling' };
    expect(buckets(s, 'quality_billing_quality_score', labels)).toEqual({
      '10': 1, '20': 1, '30': 1, '40': 1, '50': 1, '60': 1, '70': 2, '80': 2, '90': 4, '100': 5, '+Inf': 5,
    });
    expect(valueOf(s, 'quality_billing_quality_score_sum', labels)).toBe(349.99);
    expect(valueOf(s, 'quality_billing_quality_score_count', labels)).toBe(5);
    expect(valueOf(s, 'quality_billing_quality_assessments_total', { ...labels, grade: 'A' })).toBe(2);
    expect(valueOf(s, 'quality_billing_quality_assessments_total', { ...labels, grade: 'B' })).toBe(1);
    expect(valueOf(s, 'quality_billing_quality_assessments_total', { ...labels, grade: 'C' })).toBe(1);
    expect(valueOf(s, 'quality_billing_quality_assessments_total', { ...labels, grade: 'D' })).toBe(1);
    // Improvements: -5, 19.99, -100.
    expect(buckets(s, 'quality_billing_quality_improvement_points', labels)).toEqual({
      '-50': 1, '-20': 1, '-10': 1, '-5': 2, '0': 2, '5': 2, '10': 2, '20': 3, '50': 3, '+Inf': 3,
    });
    expect(valueOf(s, 'quality_billing_quality_improvement_points_count', labels)).toBe(3);
    expect(valueOf(s, 'quality_billing_quality_improvement_points_sum', labels)).toBeCloseTo(-85.01, 10);
  });

  it('invoice: count, amount in cents and billed seconds per currency and grade, exact to the cent', async () => {
    await t.post([
      { type: 'invoice', amount_cents: 9007199254740000, currency: 'EUR', quality_grade: 'A', billed_hours: 1 },
      { type: 'invoice', amount_cents: 991, currency: 'EUR', quality_grade: 'A', billed_hours: 0.25 },
      { type: 'invoice', amount_cents: 0, currency: 'JPY', quality_grade: 'C', billed_hours: 0 },
    ]);
    const s = await samples();
    expect(valueOf(s, 'quality_billing_invoices_total', { currency: 'EUR', quality_grade: 'A' })).toBe(2);
    expect(valueOf(s, 'quality_billing_invoice_amount_cents_total', { currency: 'EUR', quality_grade: 'A' })).toBe(9007199254740991);
    expect(valueOf(s, 'quality_billing_billed_time_seconds_total', { currency: 'EUR', quality_grade: 'A' })).toBe(4500);
    expect(valueOf(s, 'quality_billing_invoices_total', { currency: 'JPY', quality_grade: 'C' })).toBe(1);
    expect(valueOf(s, 'quality_billing_invoice_amount_cents_total', { currency: 'JPY', quality_grade: 'C' })).toBe(0);
  });

  it('api_request: requests by route, method and status; response-time histogram by route and method', async () => {
    await t.post([
      { type: 'api_request', route: '/api/tasks/:id', method: 'GET', status_code: 200, duration_seconds: 0.005 },
      { type: 'api_request', route: '/api/tasks/:id', method: 'GET', status_code: 200, duration_seconds: 0.3 },
      { type: 'api_request', route: '/api/tasks/:id', method: 'GET', status_code: 503, duration_seconds: 12 },
      { type: 'api_request', route: '/api/invoices', method: 'POST', status_code: 201, duration_seconds: 2 },
    ]);
    const s = await samples();
    const get = { route: '/api/tasks/:id', method: 'GET' };
    expect(valueOf(s, 'quality_billing_api_requests_total', { ...get, status_code: '200' })).toBe(2);
    expect(valueOf(s, 'quality_billing_api_requests_total', { ...get, status_code: '503' })).toBe(1);
    expect(valueOf(s, 'quality_billing_api_requests_total', { route: '/api/invoices', method: 'POST', status_code: '201' })).toBe(1);
    expect(buckets(s, 'quality_billing_api_response_time_seconds', get)).toEqual({
      '0.005': 1, '0.01': 1, '0.025': 1, '0.05': 1, '0.1': 1, '0.25': 1, '0.5': 2, '1': 2, '2.5': 2, '5': 2, '10': 2, '+Inf': 3,
    });
    expect(valueOf(s, 'quality_billing_api_response_time_seconds_sum', get)).toBe(12.305);
    expect(valueOf(s, 'quality_billing_api_response_time_seconds_count', get)).toBe(3);
  });

  it('user_activity and users of other events: the active-user gauge over time', async () => {
    const active = async () => valueOf(await samples(), 'quality_billing_active_users');
    expect(await active()).toBe(0);
    await t.post([
      { type: 'user_activity', user: 'ann', state: 'active' },
      { type: 'work_session', user: 'bob', task_type: 'x', duration_seconds: 1, effective_seconds: 1 },
      { type: 'quality_assessment', task_type: 'x', score: 50, user: 'cid' },
      { type: 'quality_assessment', task_type: 'x', score: 50 },
    ]);
    expect(await active()).toBe(3);
    t.advance(30_000);
    await t.post([{ type: 'user_activity', user: 'bob', state: 'inactive' }]);
    expect(await active()).toBe(2);
    // bob's latest user_activity is still "inactive": a later work session does not count him.
    await t.post([{ type: 'work_session', user: 'bob', task_type: 'x', duration_seconds: 1, effective_seconds: 1 }]);
    expect(await active()).toBe(2);
    t.advance(30_001); // ann and cid were last seen 60.001 s ago: outside the 60 s window
    expect(await active()).toBe(0);
    await t.post([{ type: 'user_activity', user: 'bob', state: 'active' }]);
    expect(await active()).toBe(1);
  });

  it('counts accepted events per type in the self-metrics', async () => {
    await t.post([
      { type: 'user_activity', user: 'ann', state: 'active' },
      { type: 'invoice', amount_cents: 1, currency: 'EUR', quality_grade: 'A', billed_hours: 1 },
      { type: 'invoice', amount_cents: 1, currency: 'EUR', quality_grade: 'A', billed_hours: 1 },
    ]);
    const s = await samples();
    expect(valueOf(s, 'qb_agent_events_total', { type: 'invoice', outcome: 'accepted' })).toBe(2);
    expect(valueOf(s, 'qb_agent_events_total', { type: 'user_activity', outcome: 'accepted' })).toBe(1);
    expect(valueOf(s, 'qb_agent_events_total', { type: 'work_session', outcome: 'accepted' })).toBe(0);
    expect(valueOf(s, 'qb_agent_ingest_requests_total', { status_code: '202' })).toBe(1);
  });

  it('counts a batch per type and outcome: sums of mixed batches, duplicates and rejections on /metrics and the status page', async () => {
    const inv = (id: string) => ({ type: 'invoice', id, amount_cents: 1, currency: 'EUR', quality_grade: 'A', billed_hours: 1 });
    const act = (user: string) => ({ type: 'user_activity', user, state: 'active' });
    await t.post([inv('a'), act('u1'), inv('b'), act('u2'), inv('c'), act('u3')]);
    // a and b resent, a twice within the batch; d is new.
    await t.post([inv('a'), act('u4'), inv('a'), inv('d'), inv('b')]);
    // Rejected as a whole: two valid events of two types, one unknown type, one non-object.
    expect((await t.post([inv('e'), act('u5'), { type: 'nope' }, null])).status).toBe(400);
    const s = await samples();
    const events = (type: string, outcome: string) => valueOf(s, 'qb_agent_events_total', { type, outcome });
    expect(events('invoice', 'accepted')).toBe(4);
    expect(events('invoice', 'duplicate')).toBe(3);
    expect(events('invoice', 'rejected')).toBe(1);
    expect(events('user_activity', 'accepted')).toBe(4);
    expect(events('user_activity', 'duplicate')).toBe(0);
    expect(events('user_activity', 'rejected')).toBe(1);
    expect(events('invalid', 'rejected')).toBe(2);
    expect(events('work_session', 'accepted')).toBe(0);
    const status = (await t.agent.app.inject({ method: 'GET', url: '/api/status' })).json() as { ingest: { totals: { events: unknown } } };
    expect(status.ingest.totals.events).toEqual({
      invoice: { accepted: 4, duplicate: 3, rejected: 1 },
      user_activity: { accepted: 4, duplicate: 0, rejected: 1 },
      invalid: { accepted: 0, duplicate: 0, rejected: 2 },
    });
  });

  it('accepts NDJSON, skipping blank lines', async () => {
    const raw = '{"type":"user_activity","user":"u1","state":"active"}\n\n{"type":"user_activity","user":"u2","state":"active"}\n';
    expect(await t.post(undefined, { contentType: 'application/x-ndjson', raw })).toEqual({ status: 202, body: { accepted: 2, duplicates: 0 } });
    expect(valueOf(await samples(), 'quality_billing_active_users')).toBe(2);
  });

  it('accepts a charset parameter on the content type', async () => {
    const res = await t.post([{ type: 'user_activity', user: 'u', state: 'active' }], { contentType: 'application/json; charset=utf-8' });
    expect(res.status).toBe(202);
  });
});
