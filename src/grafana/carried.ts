import { CATALOGUE, type MetricSpec } from '../business/catalogue.ts';

/**
 * Carried counters: one recording rule per counter series an exact figure
 * reads, keeping each agent's latest value for as long as Prometheus (or
 * vmalert) evaluates the rules, including after the agent is gone.
 *
 * A figure over [t0, t1] is the sum over agents of V(t1) - V(t0), V(t) being
 * the agent's counter at t. Read from the raw series, an agent that is down at
 * t1 (restarting, moved, decommissioned) drops out of the sum; read with
 * last_over_time() over a window long enough to bridge that, every panel reads
 * every sample of the window (about 10^8 on 30 days of 20 agents). The rule
 * below does the bridging once per evaluation instead, so that every figure is
 * two instant lookups of the carried series, whatever the range:
 *
 *   record: service_instance_id:<series>:carried
 *   expr:   max by (service_instance_id, <the series' own labels>) (<series>)
 *           or last_over_time(service_instance_id:<series>:carried[CARRY_WINDOW])
 *
 * - The agent is service_instance_id (a UUID kept in the state dir on every
 *   path; on pull the agent adds it to every series, metrics.resourceConstantLabels).
 *   job and instance are left out on purpose: instance changes when an agent
 *   moves, and a renamed job would otherwise count every total twice.
 * - max collapses the old and the new label sets of one counter while both are
 *   visible (an upgrade changes service_version, a move host_name).
 * - When the agent's series are gone (staleness marker on pull, end of the
 *   lookback on push), the right-hand side repeats the record's own last value.
 *   CARRY_WINDOW is how long rule evaluation itself may stop (a Prometheus
 *   restart) before a gone agent's total is lost.
 */

/** Label that identifies an agent in the carried series. */
export const AGENT_ID = 'service_instance_id';

/**
 * How far back the carried rule looks for its own last value: the longest
 * rule-evaluation outage (Prometheus or vmalert down) it bridges. Each
 * evaluation reads this window of every carried series, so it is also the
 * rules' cost (docs/benchmarks.md, "Carried counters").
 */
export const CARRY_WINDOW = '1h';

/** The catalogue metrics whose exact figures the dashboards show (money, counts, hours, scores, grades). */
const FIGURE_METRICS: readonly MetricSpec[] = [
  CATALOGUE.invoiceAmount,
  CATALOGUE.invoices,
  CATALOGUE.billedTime,
  CATALOGUE.workTime,
  CATALOGUE.effectiveWorkTime,
  CATALOGUE.qualityAssessments,
  CATALOGUE.qualityScore,
  CATALOGUE.qualityImprovement,
];

export interface CarriedSeries {
  /** The raw series as Prometheus names it, e.g. quality_billing_invoices_total or quality_billing_quality_score_bucket. */
  readonly source: string;
  /** Labels kept besides the agent id: the metric's own, plus `le` for buckets. */
  readonly labels: readonly string[];
  readonly record: string;
}

export const carriedRecordOf = (source: string): string => `${AGENT_ID}:${source}:carried`;

function seriesOf(spec: MetricSpec): CarriedSeries[] {
  const carried = (source: string, labels: readonly string[]) => ({ source, labels, record: carriedRecordOf(source) });
  if (spec.kind === 'counter') return [carried(`${spec.name}_total`, spec.labels)];
  if (spec.kind === 'histogram') {
    return [carried(`${spec.name}_sum`, spec.labels), carried(`${spec.name}_count`, spec.labels), carried(`${spec.name}_bucket`, [...spec.labels, 'le'])];
  }
  throw new Error(`${spec.name}: only counters and histograms can be carried`);
}

export const CARRIED: readonly CarriedSeries[] = FIGURE_METRICS.flatMap(seriesOf);

/** The carried series of a raw series; throws at build time when a figure reads a series that is not carried. */
export function carriedOf(source: string): CarriedSeries {
  const found = CARRIED.find((c) => c.source === source);
  if (!found) throw new Error(`${source} is not carried: add its metric to FIGURE_METRICS in src/grafana/carried.ts`);
  return found;
}

export function carriedRuleExpr(c: CarriedSeries): string {
  return `max by (${[AGENT_ID, ...c.labels].join(', ')}) (${c.source})\nor\nlast_over_time(${c.record}[${CARRY_WINDOW}])`;
}

/**
 * Per agent, the sum of its carried invoice and assessment counters. Whole
 * numbers, so the sum is exact and drops only when that agent's counters
 * restart from zero (lost durable state under an explicitly configured
 * service.instance.id): resets() of this one series per agent is the honest
 * "Counter resets in range", at a fraction of the cost of resets() on every
 * carried series.
 */
export const RESET_WATCH = {
  record: `${AGENT_ID}:quality_billing_invoices_and_assessments:sum_carried`,
  expr: `sum by (${AGENT_ID}) ({__name__=~"${[CATALOGUE.invoices, CATALOGUE.qualityAssessments].map((m) => carriedRecordOf(`${m.name}_total`)).join('|')}"})`,
} as const;

/**
 * Fleet-wide sums of carried series, for the money figures drawn as time series
 * (revenue per day, per trailing hour and 30 days, invoices per hour, billed
 * hours per day, the hourly rate per day). A range query reads every
 * sample of the series it selects over the whole range: per agent that is the
 * fleet size times more samples than a sum per currency, several seconds on
 * 30 days of 20 agents (docs/provisioning.md, "Query cost"). These panels show
 * the whole fleet and are not filtered by agent.
 */
export interface FleetSum {
  readonly source: string;
  readonly labels: readonly string[];
  readonly record: string;
  readonly expr: string;
}

function fleetSum(source: string, labels: readonly string[]): FleetSum {
  const carried = carriedOf(source);
  for (const l of labels) if (!carried.labels.includes(l)) throw new Error(`${carried.record} has no label ${l}`);
  return { source, labels, record: `${labels.join('_')}:${source}:carried_sum`, expr: `sum by (${labels.join(', ')}) (${carried.record})` };
}

export const FLEET_SUMS: readonly FleetSum[] = [
  fleetSum(`${CATALOGUE.invoiceAmount.name}_total`, ['currency']),
  fleetSum(`${CATALOGUE.invoices.name}_total`, ['currency']),
  fleetSum(`${CATALOGUE.billedTime.name}_total`, ['currency', 'quality_grade']),
];

export function fleetSumOf(source: string, labels: readonly string[]): FleetSum {
  const found = FLEET_SUMS.find((f) => f.source === source && labels.every((l) => f.labels.includes(l)));
  if (!found) throw new Error(`no fleet sum of ${source} by ${labels.join(', ')}: add one to FLEET_SUMS in src/grafana/carried.ts`);
  return found;
}
