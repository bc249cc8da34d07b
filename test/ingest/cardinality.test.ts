import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestAgent, type TestAgent } from '../support/in-process-agent.ts';
import { parseExposition, select, valueOf } from '../support/prom-text.ts';

let t: TestAgent;
beforeEach(() => {
  t = createTestAgent(['--business.cardinalityLimit', '4']);
});
afterEach(async () => {
  await t.close();
});

const session = (task: string, seconds: number) => ({ type: 'work_session', user: 'u', task_type: task, duration_seconds: seconds, effective_seconds: 0 });

describe('cardinality limit', () => {
  it('keeps limit - 1 series and folds the rest into the overflow series, for the agent\'s lifetime', async () => {
    await t.post([session('t1', 1), session('t2', 2), session('t3', 3), session('t4', 4), session('t5', 5)]);
    await t.metrics(); // a collection in between must not re-open the limit
    await t.post([session('t6', 6), session('t1', 10)]);
    const s = parseExposition(await t.metrics());
    const series = select(s, 'quality_billing_work_time_seconds_total');
    expect(Object.fromEntries(series.map((x) => [x.labels.task_type ?? `overflow=${x.labels.otel_metric_overflow}`, x.value]))).toEqual({
      t1: 11,
      t2: 2,
      t3: 3,
      'overflow=true': 15,
    });
    expect(valueOf(s, 'qb_agent_cardinality_overflow_total', { metric: 'quality_billing_work_time_seconds' })).toBe(3);
    expect(valueOf(s, 'qb_agent_metric_series', { metric: 'quality_billing_work_time_seconds' })).toBe(4);
    const warnings = t.logs.filter((l) => l.metric === 'quality_billing_work_time_seconds' && l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toMatch(/^cardinality limit reached/);
  });

  it('counts totals exactly even when folded', async () => {
    const events = Array.from({ length: 50 }, (_, i) => session(`task-${i}`, i));
    await t.post(events);
    const s = parseExposition(await t.metrics());
    const total = select(s, 'quality_billing_work_time_seconds_total').reduce((sum, x) => sum + x.value, 0);
    expect(total).toBe((49 * 50) / 2);
  });
});
