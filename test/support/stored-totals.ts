import { WATCHED, type Totals } from './crash-harness.ts';
import type { Vector } from './prometheus.ts';
import { eventually } from './workload.ts';

/**
 * The crash harness's WATCHED series as a store downstream of the agents holds
 * them: one PromQL sum per series, over every agent or those `matchers` select
 * (e.g. `instance="<service.instance.id>"`). A bucket bound is matched in both
 * spellings (`le="50"` is stored as `le="50.0"` by Prometheus 3).
 */
export function watchedSum(index: number, matchers = ''): string {
  const w = WATCHED[index]!;
  const labels = Object.entries(w.labels).map(([k, v]) => (k === 'le' ? `le=~"${v}|${v}.0"` : `${k}="${v}"`));
  return `sum(${w.name}{${[...labels, ...(matchers ? [matchers] : [])].join(',')}})`;
}

/** The WATCHED totals in a store (0 for a series it does not have). */
export async function storedTotals(query: (promql: string) => Promise<Vector>, matchers = ''): Promise<Totals> {
  return Promise.all(WATCHED.map(async (_, i) => Number((await query(watchedSum(i, matchers)))[0]?.value[1] ?? 0)));
}

/**
 * Waits until the store holds exactly `expected`; returns what it held last
 * either way, for the caller's assertion to show the difference.
 */
export async function awaitStoredTotals(query: (promql: string) => Promise<Vector>, expected: Totals, options: { matchers?: string; timeoutMs?: number } = {}): Promise<Totals> {
  let last: Totals = [];
  await eventually(
    async () => {
      last = await storedTotals(query, options.matchers);
      return JSON.stringify(last) === JSON.stringify(expected) ? true : undefined;
    },
    options.timeoutMs ?? 30_000,
    'the store to hold the expected totals',
  ).catch(() => undefined);
  return last;
}
