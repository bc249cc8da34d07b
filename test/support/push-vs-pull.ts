import { parseExposition } from './prom-text.ts';
import type { VictoriaMetrics } from './victoria-metrics.ts';
import { eventually } from './workload.ts';

/**
 * Labels only one path carries: the scope on pull (VictoriaMetrics 1.14x names it scope_name/scope_version
 * on push), the resource attributes on push. service_instance_id is on both (metrics.resourceConstantLabels).
 */
export const PULL_ONLY = new Set(['otel_scope_name', 'otel_scope_version']);
export const PUSH_ONLY = new Set(['service_name', 'service_version', 'host_name', 'scope_name', 'scope_version']);
/** Series whose values cannot change between a push and the scrape that follows it. */
export const STABLE = /^(quality_billing_|qb_agent_events_total$|qb_agent_ingest_requests_total$|qb_agent_dedupe_ids$|qb_agent_metric_series$|qb_agent_build_info$)/;

/** A series as `name{label="value",…}` with sorted labels, without those only one path carries. */
export function seriesIdentity(name: string, labels: Record<string, string>, drop: ReadonlySet<string>): string {
  const kept = Object.entries(labels)
    .filter(([k]) => k !== '__name__' && !drop.has(k))
    .sort(([a], [b]) => a.localeCompare(b));
  return `${name}{${kept.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
}

export interface PushAndPull {
  /** Series → value as /metrics shows them. */
  readonly expected: Record<string, number>;
  /** The same series as VictoriaMetrics stored them from the push. */
  readonly pushed: Record<string, number>;
}

/** The stable series of one scrape of the agent, and what VictoriaMetrics holds for them. */
export async function pushAndPull(agentUrl: string, vm: VictoriaMetrics): Promise<PushAndPull> {
  const scraped = parseExposition(await (await fetch(`${agentUrl}/metrics`)).text());
  const expected = new Map<string, number>();
  for (const s of scraped) if (STABLE.test(s.name)) expected.set(seriesIdentity(s.name, s.labels, PULL_ONLY), s.value);
  const pushed = new Map<string, number>();
  for (const name of new Set(scraped.filter((s) => STABLE.test(s.name)).map((s) => s.name))) {
    for (const r of await vm.query(name)) pushed.set(seriesIdentity(name, r.metric, PUSH_ONLY), Number(r.value[1]));
  }
  // Sorted, so that equal comparisons also stringify equal.
  const sorted = (m: Map<string, number>) => Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { expected: sorted(expected), pushed: sorted(pushed) };
}

/**
 * Self-metrics such as qb_agent_metric_series settle one push after a batch:
 * compares until a push and a scrape agree, or the timeout passes; returns the
 * last comparison either way, for the test to assert (and show the difference).
 */
export async function settledPushAndPull(agentUrl: string, vm: VictoriaMetrics, timeoutMs = 10_000): Promise<PushAndPull> {
  let last = await pushAndPull(agentUrl, vm);
  await eventually(async () => {
    last = await pushAndPull(agentUrl, vm);
    return JSON.stringify(last.pushed) === JSON.stringify(last.expected) ? true : undefined;
  }, timeoutMs, 'a push equal to the scrape').catch(() => undefined);
  return last;
}
