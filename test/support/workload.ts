/** A small batch with every event type and every metric of the catalogue, for exact assertions. */
export const EVERY_TYPE_BATCH = [
  { type: 'work_session', id: 'ws-1', user: 'ann', task_type: 'labeling', duration_seconds: 3600, effective_seconds: 3000 },
  { type: 'work_session', id: 'ws-2', user: 'bob', task_type: 'review', duration_seconds: 1800.5, effective_seconds: 900.25 },
  { type: 'user_activity', id: 'ua-1', user: 'cid', state: 'active' },
  { type: 'quality_assessment', id: 'qa-1', task_type: 'labeling', score: 95, previous_score: 80, user: 'ann' },
  { type: 'quality_assessment', id: 'qa-2', task_type: 'labeling', score: 65 },
  { type: 'invoice', id: 'inv-1', amount_cents: 123456, currency: 'EUR', quality_grade: 'A', billed_hours: 10 },
  { type: 'invoice', id: 'inv-2', amount_cents: 5000, currency: 'USD', quality_grade: 'B', billed_hours: 1.5 },
  { type: 'api_request', id: 'api-1', route: '/api/tasks/:id', method: 'GET', status_code: 200, duration_seconds: 0.042 },
  { type: 'api_request', id: 'api-2', route: '/api/tasks/:id', method: 'GET', status_code: 503, duration_seconds: 3.2 },
] as const;

export async function postEvents(baseUrl: string, events: readonly unknown[], headers: Record<string, string> = {}) {
  const res = await fetch(`${baseUrl}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ events }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Polls (every `intervalMs`) until check() returns a value (not undefined) or the timeout passes. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000, what = 'condition', intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
