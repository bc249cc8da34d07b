import { describe, expect, it } from 'vitest';
import { parseGradeThresholds } from '../../src/config/formats.ts';
import type { BusinessEvent as DemoEvent } from '../../src/client/index.ts';
import { Tally } from '../../src/demo/tally.ts';

const T = '2026-11-24T12:00:00Z';
const tally = () => new Tally({ gradeThresholds: parseGradeThresholds('A:90,B:80,C:70,D:0'), activeUserWindowSec: 300 });

describe('Tally', () => {
  it('counts work sessions per task type', () => {
    const t = tally();
    t.add(
      [
        { id: '1', time: T, type: 'work_session', user: 'u1', task_type: 'x', duration_seconds: 600, effective_seconds: 500 },
        { id: '2', time: T, type: 'work_session', user: 'u2', task_type: 'x', duration_seconds: 100, effective_seconds: 50 },
      ],
      0,
    );
    const { counters } = t.expected(0);
    expect(counters.quality_billing_work_time_seconds_total).toEqual([{ labels: { task_type: 'x' }, value: 700 }]);
    expect(counters.quality_billing_effective_work_time_seconds_total).toEqual([{ labels: { task_type: 'x' }, value: 550 }]);
    expect(counters.quality_billing_work_sessions_total).toEqual([{ labels: { task_type: 'x' }, value: 2 }]);
    expect(t.counts).toEqual({ work_session: 2, user_activity: 0, quality_assessment: 0, invoice: 0, api_request: 0 });
  });

  it('grades assessments at the thresholds and records improvement only with a previous score', () => {
    const t = tally();
    t.add(
      [
        { id: '1', time: T, type: 'quality_assessment', task_type: 'x', score: 90 },
        { id: '2', time: T, type: 'quality_assessment', task_type: 'x', score: 89.5, previous_score: 95 },
        { id: '3', time: T, type: 'quality_assessment', task_type: 'x', score: 0, previous_score: 0 },
      ],
      0,
    );
    const { counters, histograms } = t.expected(0);
    expect(counters.quality_billing_quality_assessments_total).toEqual([
      { labels: { task_type: 'x', grade: 'A' }, value: 1 },
      { labels: { task_type: 'x', grade: 'B' }, value: 1 },
      { labels: { task_type: 'x', grade: 'D' }, value: 1 },
    ]);
    expect(histograms.quality_billing_quality_score).toEqual([
      {
        labels: { task_type: 'x' },
        count: 3,
        sum: 179.5,
        buckets: [{ le: '10', count: 1 }, { le: '20', count: 1 }, { le: '30', count: 1 }, { le: '40', count: 1 }, { le: '50', count: 1 }, { le: '60', count: 1 }, { le: '70', count: 1 }, { le: '80', count: 1 }, { le: '90', count: 3 }, { le: '100', count: 3 }, { le: '+Inf', count: 3 }],
      },
    ]);
    expect(histograms.quality_billing_quality_improvement_points).toEqual([
      {
        labels: { task_type: 'x' },
        count: 2,
        sum: -5.5,
        buckets: [{ le: '-50', count: 0 }, { le: '-20', count: 0 }, { le: '-10', count: 0 }, { le: '-5', count: 1 }, { le: '0', count: 2 }, { le: '5', count: 2 }, { le: '10', count: 2 }, { le: '20', count: 2 }, { le: '50', count: 2 }, { le: '+Inf', count: 2 }],
      },
    ]);
  });

  it('sums invoices per currency and grade, billed hours in seconds', () => {
    const t = tally();
    t.add(
      [
        { id: '1', time: T, type: 'invoice', amount_cents: 12_000, currency: 'EUR', quality_grade: 'A', billed_hours: 2.5 },
        { id: '2', time: T, type: 'invoice', amount_cents: 1, currency: 'EUR', quality_grade: 'A', billed_hours: 0.25 },
        { id: '3', time: T, type: 'invoice', amount_cents: 7, currency: 'USD', quality_grade: 'A', billed_hours: 1 },
      ],
      0,
    );
    const { counters } = t.expected(0);
    expect(counters.quality_billing_invoices_total).toEqual([
      { labels: { currency: 'EUR', quality_grade: 'A' }, value: 2 },
      { labels: { currency: 'USD', quality_grade: 'A' }, value: 1 },
    ]);
    expect(counters.quality_billing_invoice_amount_cents_total).toEqual([
      { labels: { currency: 'EUR', quality_grade: 'A' }, value: 12_001 },
      { labels: { currency: 'USD', quality_grade: 'A' }, value: 7 },
    ]);
    expect(counters.quality_billing_billed_time_seconds_total).toEqual([
      { labels: { currency: 'EUR', quality_grade: 'A' }, value: 9900 },
      { labels: { currency: 'USD', quality_grade: 'A' }, value: 3600 },
    ]);
  });

  it('counts API requests by status and puts response times in inclusive buckets', () => {
    const t = tally();
    const req = (id: string, status_code: number, duration_seconds: number): DemoEvent => ({
      id, time: T, type: 'api_request', route: '/r/:id', method: 'GET', status_code, duration_seconds,
    });
    t.add([req('1', 200, 0.005), req('2', 200, 0.006), req('3', 503, 12)], 0);
    const { counters, histograms } = t.expected(0);
    expect(counters.quality_billing_api_requests_total).toEqual([
      { labels: { route: '/r/:id', method: 'GET', status_code: '200' }, value: 2 },
      { labels: { route: '/r/:id', method: 'GET', status_code: '503' }, value: 1 },
    ]);
    expect(histograms.quality_billing_api_response_time_seconds?.[0]?.buckets).toEqual([{ le: '0.005', count: 1 }, { le: '0.01', count: 2 }, { le: '0.025', count: 2 }, { le: '0.05', count: 2 }, { le: '0.1', count: 2 }, { le: '0.25', count: 2 }, { le: '0.5', count: 2 }, { le: '1', count: 2 }, { le: '2.5', count: 2 }, { le: '5', count: 2 }, { le: '10', count: 2 }, { le: '+Inf', count: 3 }]);
    expect(histograms.quality_billing_api_response_time_seconds?.[0]?.sum).toBe(0.005 + 0.006 + 12);
  });

  it('counts active users: seen within the window, unless their latest activity is inactive', () => {
    const t = tally();
    t.add([{ id: '1', time: T, type: 'user_activity', user: 'a', state: 'active' }], 0);
    t.add([{ id: '2', time: T, type: 'work_session', user: 'b', task_type: 'x', duration_seconds: 1, effective_seconds: 1 }], 1000);
    t.add([{ id: '3', time: T, type: 'user_activity', user: 'c', state: 'inactive' }], 1000);
    t.add([{ id: '4', time: T, type: 'quality_assessment', user: 'c', task_type: 'x', score: 1 }], 2000);
    expect(t.expected(2000).gauges).toEqual({ quality_billing_active_users: 2 });
    expect(t.expected(300_500).gauges).toEqual({ quality_billing_active_users: 1 });
    expect(t.expected(301_001).gauges).toEqual({ quality_billing_active_users: 0 });
  });
});
