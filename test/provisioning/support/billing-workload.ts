/**
 * A realistic workload of every event type: a few minutes of a small annotation
 * team compressed into batches, with known totals for exact assertions.
 */

export const BATCHES = 6;

/** Amounts per batch, in minor units. JPY has none: 150000 is ¥150,000. */
export const INVOICES_PER_BATCH = [
  { currency: 'EUR', amount_cents: 12345, quality_grade: 'A', billed_hours: 2 },
  { currency: 'USD', amount_cents: 50000, quality_grade: 'B', billed_hours: 4.5 },
  { currency: 'JPY', amount_cents: 150000, quality_grade: 'A', billed_hours: 3 },
] as const;

/** Lifetime totals per currency after all batches, in minor units. */
export const TOTAL_CENTS: Readonly<Record<string, number>> = Object.fromEntries(INVOICES_PER_BATCH.map((i) => [i.currency, i.amount_cents * BATCHES]));

export function batch(k: number): Array<Record<string, unknown>> {
  const id = (n: string) => `e2e-${k}-${n}`;
  const events: Array<Record<string, unknown>> = [
    { type: 'work_session', id: id('ws1'), user: `u${k % 4}`, task_type: 'labeling', duration_seconds: 3600, effective_seconds: 3000 },
    { type: 'work_session', id: id('ws2'), user: `u${(k + 1) % 4}`, task_type: 'review', duration_seconds: 1800, effective_seconds: 1200 },
    { type: 'user_activity', id: id('ua1'), user: 'u5', state: 'active' },
    { type: 'quality_assessment', id: id('qa1'), task_type: 'labeling', score: 92, previous_score: 85, user: 'u1' },
    { type: 'quality_assessment', id: id('qa2'), task_type: 'review', score: 64, previous_score: 70 },
    { type: 'quality_assessment', id: id('qa3'), task_type: 'labeling', score: 78 },
    ...INVOICES_PER_BATCH.map((inv, i) => ({ type: 'invoice', id: id(`inv${i}`), ...inv })),
    { type: 'api_request', id: id('api1'), route: '/api/tasks/:id', method: 'GET', status_code: 200, duration_seconds: 0.12 },
    { type: 'api_request', id: id('api2'), route: '/api/tasks/:id', method: 'PUT', status_code: 204, duration_seconds: 0.3 },
    { type: 'api_request', id: id('api3'), route: '/api/invoices', method: 'POST', status_code: 201, duration_seconds: 0.8 },
    { type: 'api_request', id: id('api4'), route: '/api/reports', method: 'GET', status_code: 500, duration_seconds: 3.2 },
    { type: 'api_request', id: id('api5'), route: '/api/tasks/:id', method: 'GET', status_code: 404, duration_seconds: 0.01 },
  ];
  if (k === BATCHES - 1) events.push({ type: 'user_activity', id: id('ua2'), user: 'u3', state: 'inactive' });
  return events;
}
