import { CATALOGUE, prometheusName, type MetricSpec } from '../business/catalogue.ts';
import { AGENT_ID, carriedOf, fleetSumOf } from './carried.ts';

/**
 * PromQL for the derived figures, defined once and used by the dashboards, the
 * recording rules and the alerts. Every builder takes a scope (extra label
 * matchers: the dashboards' $job/$instance filters, none in rules) and a range.
 *
 * Rules followed throughout:
 * - Trends use rate()/increase() before sum(): counter resets (agent restarts)
 *   are handled per series, never across an aggregate.
 * - Every figure "in a range" (money, counts, hours, averages, shares, grade
 *   mix) uses exactIncrease(): the difference of the group's sums of the carried
 *   series (carried.ts) at both ends, which neither extrapolates, nor misses
 *   the first increment of a series born inside the range, nor loses an agent
 *   that is down at either end.
 * - Aggregations say which labels they keep (`sum by (currency)`), so
 *   otel_scope_name/otel_scope_version (pull only) and the resource attributes
 *   (push only) never split or break a figure.
 * - Money is never summed across currencies; amounts are minor units and are
 *   turned into major units with the ISO 4217 exponent of each currency.
 */

export type Scope = readonly string[];

/**
 * Labels that tell one agent from another on every data path: job/instance
 * (pull, and push through the Collector, which derives them from service.name
 * and service.instance.id) and service_instance_id (push straight into an OTLP
 * backend). Missing ones are simply empty.
 */
export const AGENT_IDENTITY = ['job', 'instance', 'service_instance_id'] as const;

/** No extra matchers: rules and alerts look at every agent. */
export const ALL_AGENTS: Scope = [];

/** Name of a catalogue metric as both data paths expose it. */
export const metric = (spec: MetricSpec, suffix = ''): string => `${spec.kind === 'histogram' ? spec.name : prometheusName(spec)}${suffix}`;

/** `name{matchers}` with the scope's matchers first. */
export function selector(name: string, scope: Scope, ...matchers: string[]): string {
  const all = [...scope, ...matchers];
  return all.length === 0 ? name : `${name}{${all.join(', ')}}`;
}

const by = (labels: readonly string[]): string => (labels.length === 0 ? '' : ` by (${labels.join(', ')})`);

/** `sum by (labels) (fn(selector[range]))` */
export function sumOf(fn: 'rate' | 'increase', name: string, scope: Scope, range: string, labels: readonly string[] = [], ...matchers: string[]): string {
  return `sum${by(labels)} (${fn}(${selector(name, scope, ...matchers)}[${range}]))`;
}

/**
 * How a figure over a range is computed: extrapolated from the raw series
 * (trends), exact from the carried series per agent (see exactIncrease), or
 * exact from their fleet-wide sums (figures drawn over months; not per agent).
 */
export type Growth = 'increase' | 'exact' | 'exact-fleet';

/**
 * The labels that make one counter: the agent (AGENT_IDENTITY), the metric's
 * own attributes, and the labels the caller groups by. Everything else is
 * metadata of the agent that may change while the counter carries on (durable
 * state restores it): service_version and otel_scope_version on an upgrade,
 * host_name on a re-created container, any attribute from OTEL_RESOURCE_ATTRIBUTES.
 */
export function counterIdentity(spec: MetricSpec, labels: readonly string[] = []): string[] {
  return [...new Set([...AGENT_IDENTITY, ...spec.labels, ...labels])];
}

/**
 * Exact growth of `sum by (labels)` of a raw counter series over the range
 * ending at the evaluation time, read from its carried series (carried.ts):
 * the group's sum now minus its sum `range` ago, where a group (currency,
 * grade...) that did not exist then counts from zero. Two instant lookups,
 * whatever the range.
 *
 * Summing before subtracting makes an agent that starts inside the range count
 * in full; the carried series keep every agent that is down, moved or gone in
 * both sums at its last value, so it adds exactly what it counted in the range.
 * Counter resets are not repaired: they happen only when an agent loses its
 * durable state under an explicitly configured service.instance.id (the default
 * id is lost with the state, so the agent comes back as a new one).
 *
 * `scope` may only match labels the carried series keep (the agent id), and
 * `labels` must be among the series' own labels: both are checked here.
 */
export function exactIncrease(series: string, scope: Scope, range: string, labels: readonly string[] = [], ...matchers: string[]): string {
  const carried = carriedOf(series);
  const kept = new Set([AGENT_ID, ...carried.labels]);
  for (const l of [...labels, ...[...scope, ...matchers].map((m) => m.split(/[!=~]/, 1)[0]!.trim())]) {
    if (!kept.has(l)) throw new Error(`${carried.record} has no label ${l}`);
  }
  const lookup = (offset: string) => `sum${by(labels)} (${selector(carried.record, scope, ...matchers)}${offset})`;
  return `(${lookup('')} - (${lookup(` offset ${range}`)} or ${lookup('')} * 0))`;
}

/**
 * exactIncrease() read from a fleet-wide sum of the carried series (FLEET_SUMS):
 * the same figure for the whole fleet, from a handful of series instead of one
 * per agent, so that a range query over months stays cheap. No agent filter.
 */
export function fleetExactIncrease(series: string, range: string, labels: readonly string[] = [], ...matchers: string[]): string {
  const sum = fleetSumOf(series, labels);
  const lookup = (offset: string) => `sum${by(labels)} (${selector(sum.record, [], ...matchers)}${offset})`;
  return `(${lookup('')} - (${lookup(` offset ${range}`)} or ${lookup('')} * 0))`;
}

/** Growth of a counter series over the range, summed by `labels`, extrapolated (trends) or exact (figures). */
export function growthOf(growth: Growth, series: string, scope: Scope, range: string, labels: readonly string[] = [], ...matchers: string[]): string {
  if (growth === 'exact') return exactIncrease(series, scope, range, labels, ...matchers);
  if (growth === 'exact-fleet') {
    if (scope.length > 0) throw new Error('fleet-wide figures take no agent filter');
    return fleetExactIncrease(series, range, labels, ...matchers);
  }
  return sumOf('increase', series, scope, range, labels, ...matchers);
}

/**
 * The `le` bucket at `bound`, as every engine stores it: Prometheus 3 normalises
 * `le="0"` to `le="0.0"` at scrape (and `10` to `10.0`), Prometheus 2 and
 * VictoriaMetrics keep what was exposed or pushed.
 */
export function bucketMatcher(bound: number): string {
  if (!Number.isInteger(bound)) return `le="${bound}"`;
  return `le=~"${bound}|${bound}\\\\.0"`;
}

/**
 * ISO 4217 minor-unit exponents that differ from 2. amount_cents is in minor
 * units, so JPY amounts are already yen and BHD amounts are fils (1/1000).
 */
export const CURRENCY_EXPONENTS: Readonly<Record<number, readonly string[]>> = {
  0: ['BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF'],
  3: ['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'],
  4: ['CLF', 'UYW'],
};

/**
 * Converts a per-currency amount in minor units into major units. `perCurrency`
 * receives a currency matcher and must keep the `currency` label; one branch per
 * exponent is joined with `or`, so each currency is divided by its own factor.
 */
export function inMajorUnits(perCurrency: (currencyMatcher: string) => string): string {
  const special = Object.values(CURRENCY_EXPONENTS).flat();
  const branches = [`(${perCurrency(`currency!~"${special.join('|')}"`)}) / 100`];
  for (const [exponent, codes] of Object.entries(CURRENCY_EXPONENTS)) {
    const divisor = 10 ** Number(exponent);
    const inner = perCurrency(`currency=~"${codes.join('|')}"`);
    branches.push(divisor === 1 ? inner : `(${inner}) / ${divisor}`);
  }
  return branches.map((b) => `(${b})`).join('\nor\n');
}

const C = CATALOGUE;

/** Share of API requests answered with a 5xx status (0..1); 0 when there were requests but no 5xx. */
export function apiErrorRatio(scope: Scope, range: string, labels: readonly string[] = []): string {
  const requests = metric(C.apiRequests);
  const errors = sumOf('rate', requests, scope, range, labels, 'status_code=~"5.."');
  const total = sumOf('rate', requests, scope, range, labels);
  // `or (total * 0)`: no 5xx at all is a 0 % error rate, not "no data".
  return `(${errors} or ${total} * 0)\n/\n${total}`;
}

/** q-quantile of the API response time, from the histogram buckets. */
export function apiLatencyQuantile(q: number, scope: Scope, range: string, labels: readonly string[] = []): string {
  return `histogram_quantile(${q}, ${sumOf('rate', metric(C.apiResponseTime, '_bucket'), scope, range, ['le', ...labels])})`;
}

/** Average quality score over the range (0..100). */
export function averageQualityScore(scope: Scope, range: string, labels: readonly string[] = [], growth: Growth = 'increase'): string {
  return `${growthOf(growth, metric(C.qualityScore, '_sum'), scope, range, labels)}\n/\n${growthOf(growth, metric(C.qualityScore, '_count'), scope, range, labels)}`;
}

/** Productivity: effective work time / total work time (0..1). */
export function productivity(scope: Scope, range: string, labels: readonly string[] = [], growth: Growth = 'increase'): string {
  return `${growthOf(growth, metric(C.effectiveWorkTime), scope, range, labels)}\n/\n${growthOf(growth, metric(C.workTime), scope, range, labels)}`;
}

/** Average score change of re-assessed work (score - previous_score) over the range. */
export function averageImprovement(scope: Scope, range: string, labels: readonly string[] = [], growth: Growth = 'increase'): string {
  return `${growthOf(growth, metric(C.qualityImprovement, '_sum'), scope, range, labels)}\n/\n${growthOf(growth, metric(C.qualityImprovement, '_count'), scope, range, labels)}`;
}

/** Share of re-assessed work whose score went up: 1 - the `le="0"` bucket (changes <= 0) / all re-assessments. */
export function improvedShare(scope: Scope, range: string, growth: Growth = 'increase'): string {
  return `1 - ${growthOf(growth, metric(C.qualityImprovement, '_bucket'), scope, range, [], bucketMatcher(0))}\n/\n${growthOf(growth, metric(C.qualityImprovement, '_count'), scope, range)}`;
}

/** Invoiced amount over the range in major currency units, per currency (plus `labels`). */
export function revenue(scope: Scope, range: string, labels: readonly string[] = [], growth: Growth = 'increase'): string {
  return inMajorUnits((cur) => growthOf(growth, metric(C.invoiceAmount), scope, range, ['currency', ...labels], cur));
}

/** Invoices issued over the range, summed by `labels`. */
export function invoiceCount(scope: Scope, range: string, labels: readonly string[] = [], growth: Growth = 'increase'): string {
  return growthOf(growth, metric(C.invoices), scope, range, labels);
}

/** Average invoice amount over the range in major units, per currency. */
export function averageInvoiceAmount(scope: Scope, range: string, growth: Growth = 'increase'): string {
  return inMajorUnits(
    (cur) => `${growthOf(growth, metric(C.invoiceAmount), scope, range, ['currency'], cur)} / ${growthOf(growth, metric(C.invoices), scope, range, ['currency'], cur)}`,
  );
}

/** Average hourly rate: invoiced amount / billed hours, in major units per hour, per currency. */
export function averageHourlyRate(scope: Scope, range: string, labels: readonly string[] = [], growth: Growth = 'increase'): string {
  return inMajorUnits(
    (cur) =>
      `${growthOf(growth, metric(C.invoiceAmount), scope, range, ['currency', ...labels], cur)} / (${growthOf(growth, metric(C.billedTime), scope, range, ['currency', ...labels], cur)} / 3600)`,
  );
}

/** Active users now, summed over agents (each agent sees its own clients' users). */
export function activeUsers(scope: Scope, labels: readonly string[] = []): string {
  return `sum${by(labels)} (${selector(metric(C.activeUsers), scope)})`;
}
