import type { FleetEvent } from './ledger.ts';

/**
 * One batch of business events for agent `agent`, the n-th it receives: three
 * currencies and grades of invoices, two task types of work, assessments with
 * and without a previous score. Amounts vary with n and the agent so that no
 * two batches sum alike. Scores average 79 (QualityBillingLowQualityScore
 * stays quiet); every event has a user (QualityBillingNoActiveUsers too).
 */
export function fleetBatch(agent: string, n: number): FleetEvent[] {
  const k = n * 7 + agent.charCodeAt(0);
  const id = (what: string) => `fleet-${agent}-${n}-${what}`;
  return [
    { type: 'invoice', id: id('eur'), amount_cents: 10_000 + k * 37, currency: 'EUR', quality_grade: 'A', billed_hours: 2.5 },
    { type: 'invoice', id: id('usd'), amount_cents: 4_999 + k * 11, currency: 'USD', quality_grade: 'B', billed_hours: 1 },
    { type: 'invoice', id: id('jpy'), amount_cents: 150_000 + k * 100, currency: 'JPY', quality_grade: n % 2 === 0 ? 'A' : 'C', billed_hours: 3 },
    { type: 'work_session', id: id('ws1'), user: `${agent}-u1`, task_type: 'labeling', duration_seconds: 3600, effective_seconds: 3000 + k },
    { type: 'work_session', id: id('ws2'), user: `${agent}-u2`, task_type: 'review', duration_seconds: 1800, effective_seconds: 1200 },
    { type: 'quality_assessment', id: id('qa1'), user: `${agent}-u1`, task_type: 'labeling', score: 95, previous_score: 90 },
    { type: 'quality_assessment', id: id('qa2'), user: `${agent}-u2`, task_type: 'review', score: 85, previous_score: 88 },
    { type: 'quality_assessment', id: id('qa3'), user: `${agent}-u1`, task_type: 'labeling', score: 72 },
    { type: 'quality_assessment', id: id('qa4'), user: `${agent}-u2`, task_type: 'review', score: 64, previous_score: 60 },
  ];
}
