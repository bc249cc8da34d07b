import { parseExposition, type Sample } from '../../support/prom-text.ts';
import type { Vector } from '../../support/prometheus.ts';
import { eventually } from '../../support/workload.ts';

/** Series whose values cannot change between a push and the scrape that follows it. */
export const STABLE = /^(quality_billing_|qb_agent_events_total$|qb_agent_ingest_requests_total$|qb_agent_dedupe_ids$|qb_agent_metric_series$|qb_agent_build_info$)/;

/** Bucket bounds as numbers: Prometheus 3 stores `le="40"` as `le="40.0"` whatever the path. */
const NUMERIC_LABELS = new Set(['le', 'quantile']);

/** A series as name and sorted labels, leaving out the labels in `drop`. */
export function identity(name: string, labels: Readonly<Record<string, string>>, drop: ReadonlySet<string>): string {
  const kept = Object.entries(labels)
    .filter(([k]) => k !== '__name__' && !drop.has(k))
    .map(([k, v]) => [k, NUMERIC_LABELS.has(k) && v !== '+Inf' ? String(Number(v)) : v] as const)
    .sort(([a], [b]) => a.localeCompare(b));
  return `${name}{${kept.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
}

export interface Comparison {
  /** The agent's own /metrics, identity → value. */
  readonly expected: Record<string, number>;
  /** What the store holds for the same names. */
  readonly stored: Record<string, number>;
}

/**
 * Reads the agent's /metrics and the store's series of the same names and
 * compares them by identity (name and labels, minus the labels only one side
 * has) and value, until a push and a scrape agree or the time is up. Returns the
 * last comparison either way: the caller asserts on it and sees the difference.
 */
export async function compareWithAgent(options: {
  readonly agentUrl: string;
  readonly query: (promql: string) => Promise<Vector>;
  /** Labels only the agent's /metrics has. */
  readonly agentOnly: ReadonlySet<string>;
  /** Labels only the store has (added on the way). */
  readonly storeOnly: ReadonlySet<string>;
  readonly names?: RegExp;
  readonly timeoutMs?: number;
}): Promise<Comparison> {
  const names = options.names ?? STABLE;
  const compare = async (): Promise<Comparison> => {
    const scraped: Sample[] = parseExposition(await (await fetch(`${options.agentUrl}/metrics`)).text()).filter((s) => names.test(s.name));
    const expected: Record<string, number> = {};
    for (const s of scraped) expected[identity(s.name, s.labels, options.agentOnly)] = s.value;
    const stored: Record<string, number> = {};
    for (const name of new Set(scraped.map((s) => s.name))) {
      for (const r of await options.query(name)) stored[identity(name, r.metric, options.storeOnly)] = Number(r.value[1]);
    }
    return { expected, stored };
  };
  let last = await compare();
  await eventually(
    async () => {
      last = await compare();
      return JSON.stringify(sorted(last.stored)) === JSON.stringify(sorted(last.expected)) ? true : undefined;
    },
    options.timeoutMs ?? 15_000,
    'the store to equal the agent',
  ).catch(() => undefined);
  return { expected: sorted(last.expected), stored: sorted(last.stored) };
}

function sorted(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
