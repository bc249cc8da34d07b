/**
 * Event batches for the ingest workloads: every event type in turn, label
 * values drawn from K label sets per metric, no ids (no dedupe work: the
 * figure is the recording path). Deterministic: the same inputs give the same bodies.
 */
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;
const CURRENCIES = ['USD', 'EUR', 'GBP', 'JPY', 'CHF'] as const;

export function makeEvent(i: number, k: number): Record<string, unknown> {
  const set = (i * 7919) % k;
  switch (i % 5) {
    case 0:
      return { type: 'work_session', user: `user-${i % 500}`, task_type: `task-${set}`, duration_seconds: 60 + (i % 600), effective_seconds: 30 + (i % 30) };
    case 1:
      return { type: 'quality_assessment', task_type: `task-${set}`, score: i % 101, previous_score: (i * 3) % 101 };
    case 2:
      return { type: 'invoice', amount_cents: 1000 + i, currency: CURRENCIES[set % 5], quality_grade: `g${Math.floor(set / 5)}`, billed_hours: 1.5 };
    case 3:
      return {
        type: 'api_request',
        route: `/api/r${Math.floor(set / 4)}/:id`,
        method: METHODS[set % 4],
        status_code: 200,
        duration_seconds: ((i % 100) + 1) / 1000,
      };
    default:
      return { type: 'user_activity', user: `user-${i % 500}`, state: i % 7 === 0 ? 'inactive' : 'active' };
  }
}

/** `variants` different JSON bodies of `batch` events each, together covering the K label sets. */
export function makeBodies(batch: number, k: number, variants: number): string[] {
  const bodies: string[] = [];
  for (let v = 0; v < variants; v++) {
    const events = [];
    for (let j = 0; j < batch; j++) events.push(makeEvent(v * batch + j, k));
    bodies.push(JSON.stringify({ events }));
  }
  return bodies;
}

/** Batches of work_session events creating exactly `series` counter series (3 per task type). */
export function counterSeriesBodies(series: number, batch = 1000): string[] {
  const taskTypes = Math.ceil(series / 3);
  const bodies: string[] = [];
  for (let start = 0; start < taskTypes; start += batch) {
    const events = [];
    for (let t = start; t < Math.min(taskTypes, start + batch); t++) {
      events.push({ type: 'work_session', user: 'u', task_type: `task-${t}`, duration_seconds: 10, effective_seconds: 5 });
    }
    bodies.push(JSON.stringify({ events }));
  }
  return bodies;
}

/** Batches of api_request events creating `series` histogram series (route × method), plus as many counter series. */
export function histogramSeriesBodies(series: number, batch = 1000): string[] {
  const bodies: string[] = [];
  for (let start = 0; start < series; start += batch) {
    const events = [];
    for (let s = start; s < Math.min(series, start + batch); s++) {
      events.push({ type: 'api_request', route: `/api/r${s}/:id`, method: 'GET', status_code: 200, duration_seconds: (s % 100) / 100 });
    }
    bodies.push(JSON.stringify({ events }));
  }
  return bodies;
}
