import { CATALOGUE, prometheusName, type MetricSpec } from '../business/catalogue.ts';

/**
 * PromQL for the derived figures, defined once and used by the dashboards, the
 * recording rules and the alerts. Every builder takes a scope (extra label
 * matchers: the dashboards' $job/$instance filters, none in rules) and a range.
 *
 * Rules followed throughout:
 * - Trends use rate()/increase() before sum(): counter resets (agent restarts)
 *   are handled per series, never across an aggregate.
 * - Money and invoice counts "in a range" use exactIncrease(): the difference of
 *   the group's sums at both ends, which neither extrapolates nor misses the
 *   first increment of a series born inside the range. It relies on counters
 *   that do not reset (durable state, the agent's default), and counts each
 *   counter once however many label sets it had (see counterIdentity).
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

/** How a money or invoice figure over a range is computed (see exactIncrease). */
export type Growth = 'increase' | 'exact';

/**
 * The labels that make one counter: the agent (AGENT_IDENTITY), the metric's
 * own attributes, and the labels the caller groups by. Everything else is
 * metadata of the agent that may change while the counter carries on (durable
 * state restores it): service_version and otel_scope_version on an upgrade,
 * host_name on a re-created container, any attribute from OTEL_RESOURCE_ATTRIBUTES.
 * Naming what identifies a counter, rather than listing the metadata to drop,
 * keeps a metadata label we do not know about from splitting it.
 */
export function counterIdentity(spec: MetricSpec, labels: readonly string[] = []): string[] {
  return [...new Set([...AGENT_IDENTITY, ...spec.labels, ...labels])];
}

/**
 * Exact growth of `sum by (labels)` over the range ending at the evaluation
 * time: the group's sum now minus its sum `range` ago, where a group (currency,
 * grade...) that did not exist then counts from zero. Summing before
 * subtracting makes an agent that starts inside the range count in full, and
 * one replaced by a new instance carrying on its durable state continuous.
 *
 * Before summing, the series of one counter (counterIdentity) are collapsed with
 * max: after an upgrade or a restart on another host, the old label set stays
 * visible for the backend's lookback (about 5 minutes; 90 s through the
 * Collector) next to the new one carrying on from the same total, and a plain
 * sum would count that total twice at either end of the range. A second agent
 * has its own instance id and is summed in full.
 *
 * Unlike increase() it does not repair counter resets: a restart without
 * durable state makes the figure drop by what that agent had counted.
 */
export function exactIncrease(spec: MetricSpec, scope: Scope, range: string, labels: readonly string[] = [], ...matchers: string[]): string {
  const counters = (offset: string) => `max by (${counterIdentity(spec, labels).join(', ')}) (${selector(metric(spec), scope, ...matchers)}${offset})`;
  const now = `sum${by(labels)} (${counters('')})`;
  const then = `sum${by(labels)} (${counters(` offset ${range}`)})`;
  return `(${now} - (${then} or ${now} * 0))`;
}

/** Growth of a counter over the range, summed by `labels`, extrapolated (trends) or exact (figures). */
export function growthOf(growth: Growth, spec: MetricSpec, scope: Scope, range: string, labels: readonly string[] = [], ...matchers: string[]): string {
  return growth === 'exact' ? exactIncrease(spec, scope, range, labels, ...matchers) : sumOf('increase', metric(spec), scope, range, labels, ...matchers);
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
export function averageQualityScore(scope: Scope, range: string, labels: readonly string[] = []): string {
  return `${sumOf('increase', metric(C.qualityScore, '_sum'), scope, range, labels)}\n/\n${sumOf('increase', metric(C.qualityScore, '_count'), scope, range, labels)}`;
}

/** Productivity: effective work time / total work time (0..1). */
export function productivity(scope: Scope, range: string, labels: readonly string[] = []): string {
  return `${sumOf('increase', metric(C.effectiveWorkTime), scope, range, labels)}\n/\n${sumOf('increase', metric(C.workTime), scope, range, labels)}`;
}

/** Invoiced amount over the range in major currency units, per currency (plus `labels`). */
export function revenue(scope: Scope, range: string, labels: readonly string[] = [], growth: Growth = 'increase'): string {
  return inMajorUnits((cur) => growthOf(growth, C.invoiceAmount, scope, range, ['currency', ...labels], cur));
}

/** Invoices issued over the range, summed by `labels`. */
export function invoiceCount(scope: Scope, range: string, labels: readonly string[] = [], growth: Growth = 'increase'): string {
  return growthOf(growth, C.invoices, scope, range, labels);
}

/** Average invoice amount over the range in major units, per currency. */
export function averageInvoiceAmount(scope: Scope, range: string, growth: Growth = 'increase'): string {
  return inMajorUnits(
    (cur) => `${growthOf(growth, C.invoiceAmount, scope, range, ['currency'], cur)} / ${growthOf(growth, C.invoices, scope, range, ['currency'], cur)}`,
  );
}

/** Average hourly rate: invoiced amount / billed hours, in major units per hour, per currency. */
export function averageHourlyRate(scope: Scope, range: string, labels: readonly string[] = [], growth: Growth = 'increase'): string {
  return inMajorUnits(
    (cur) =>
      `${growthOf(growth, C.invoiceAmount, scope, range, ['currency', ...labels], cur)} / (${growthOf(growth, C.billedTime, scope, range, ['currency', ...labels], cur)} / 3600)`,
  );
}

/** Active users now, summed over agents (each agent sees its own clients' users). */
export function activeUsers(scope: Scope, labels: readonly string[] = []): string {
  return `sum${by(labels)} (${selector(metric(C.activeUsers), scope)})`;
}
