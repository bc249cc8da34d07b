import { panelExpr, substitute } from '../../provisioning/support/generated.ts';
import { exact, type Checkpoint } from './ledger.ts';

/**
 * Every range panel of the Executive Summary, Financial Analytics and Quality
 * Analytics dashboards (and the money trends, exact too), with the value it must show for a range, computed from
 * the ledger the same way the PromQL computes it. The expressions come from
 * the generated dashboards (what operators load), Grafana's variables
 * substituted; per-day and 30-day panels are read at the end of the range.
 */

/** One result row per group, keyed by the panel's legend labels. */
export type PanelValues = Record<string, number>;

export interface RangePanel {
  readonly dashboard: 'executive-summary' | 'financial-analytics' | 'quality-analytics';
  readonly title: string;
  /** `$__range` is the range; per-day / 30-day panels do not use it. */
  readonly usesRange: boolean;
  /** Legend labels of a result row, joined by a space ('' for a single value). */
  readonly key: (labels: Record<string, string>) => string;
  readonly expected: (from: Checkpoint, to: Checkpoint) => PanelValues;
}

/** Minor units per major unit of the workload's currencies. */
const DIVISOR: Readonly<Record<string, number>> = { EUR: 100, USD: 100, JPY: 1 };
const byCurrency = (l: Record<string, string>) => l.currency ?? '';
const single = () => '';
/** Bucket bounds as numbers: Prometheus 3 writes 10 as "10.0", VictoriaMetrics as "10". */
const le = (l: Record<string, string>) => (l.le === '+Inf' ? 'Infinity' : String(Number(l.le)));

/** Ranges that start before anything was recorded use the empty checkpoint (NOTHING) as `from`. */
const g = (m: Map<string, number>, key: string) => m.get(key) ?? 0;

function perKey(groups: Map<string, number>, value: (group: string, v: number) => number): PanelValues {
  return Object.fromEntries([...groups].map(([group, v]) => [group, value(group, v)]));
}

const revenue = (f: Checkpoint, t: Checkpoint) => perKey(exact(f, t, 'amount', [0]), (c, v) => v / DIVISOR[c]!);
const invoices = (f: Checkpoint, t: Checkpoint, labels: number[]) => perKey(exact(f, t, 'invoices', labels), (_, v) => v);
const hourlyRate = (f: Checkpoint, t: Checkpoint) => {
  const billed = exact(f, t, 'billed', [0]);
  return perKey(exact(f, t, 'amount', [0]), (c, v) => v / (g(billed, c) / 3600) / DIVISOR[c]!);
};
const ratio = (num: Map<string, number>, den: Map<string, number>) => perKey(num, (k, v) => v / g(den, k));
const allOf = (m: Map<string, number>) => g(m, '');

export const RANGE_PANELS: readonly RangePanel[] = [
  { dashboard: 'executive-summary', title: 'Revenue in range', usesRange: true, key: byCurrency, expected: revenue },
  { dashboard: 'executive-summary', title: 'Invoices in range', usesRange: true, key: single, expected: (f, t) => invoices(f, t, []) },
  {
    dashboard: 'executive-summary',
    title: 'Average quality score',
    usesRange: true,
    key: single,
    expected: (f, t) => ({ '': allOf(exact(f, t, 'score_sum')) / allOf(exact(f, t, 'score_count')) }),
  },
  {
    dashboard: 'executive-summary',
    title: 'Productivity',
    usesRange: true,
    key: single,
    expected: (f, t) => ({ '': allOf(exact(f, t, 'effective')) / allOf(exact(f, t, 'work')) }),
  },
  { dashboard: 'financial-analytics', title: 'Revenue in range', usesRange: true, key: byCurrency, expected: revenue },
  {
    dashboard: 'financial-analytics',
    title: 'Average invoice amount',
    usesRange: true,
    key: byCurrency,
    expected: (f, t) => {
      const count = exact(f, t, 'invoices', [0]);
      return perKey(exact(f, t, 'amount', [0]), (c, v) => v / g(count, c) / DIVISOR[c]!);
    },
  },
  { dashboard: 'financial-analytics', title: 'Average hourly rate', usesRange: true, key: byCurrency, expected: hourlyRate },
  { dashboard: 'financial-analytics', title: 'Invoices in range', usesRange: true, key: byCurrency, expected: (f, t) => invoices(f, t, [0]) },
  { dashboard: 'financial-analytics', title: 'Counter resets in range', usesRange: true, key: single, expected: (f, t) => ({ '': t.resets - f.resets }) },
  {
    dashboard: 'financial-analytics',
    title: 'Revenue by quality grade',
    usesRange: true,
    key: (l) => `${l.currency} ${l.quality_grade}`,
    expected: (f, t) => perKey(exact(f, t, 'amount', [0, 1]), (cg, v) => v / DIVISOR[cg.split(' ')[0]!]!),
  },
  { dashboard: 'financial-analytics', title: 'Daily revenue', usesRange: false, key: byCurrency, expected: revenue },
  // The money trends: over the trailing hour or day, which covers the whole (minutes long) script.
  { dashboard: 'executive-summary', title: 'Revenue, trailing hour', usesRange: false, key: byCurrency, expected: revenue },
  { dashboard: 'financial-analytics', title: 'Invoice rate', usesRange: false, key: byCurrency, expected: (f, t) => invoices(f, t, [0]) },
  { dashboard: 'financial-analytics', title: 'Average hourly rate, trend', usesRange: false, key: byCurrency, expected: hourlyRate },
  { dashboard: 'financial-analytics', title: 'Revenue, trailing 30 days', usesRange: false, key: byCurrency, expected: revenue },
  {
    dashboard: 'financial-analytics',
    title: 'Billed hours',
    usesRange: false,
    key: (l) => `${l.currency} ${l.quality_grade}`,
    expected: (f, t) => perKey(exact(f, t, 'billed', [0, 1]), (_, v) => v),
  },
  {
    dashboard: 'quality-analytics',
    title: 'Average score',
    usesRange: true,
    key: single,
    expected: (f, t) => ({ '': allOf(exact(f, t, 'score_sum')) / allOf(exact(f, t, 'score_count')) }),
  },
  { dashboard: 'quality-analytics', title: 'Assessments', usesRange: true, key: single, expected: (f, t) => perKey(exact(f, t, 'assessments'), (_, v) => v) },
  {
    dashboard: 'quality-analytics',
    title: 'Average improvement',
    usesRange: true,
    key: single,
    expected: (f, t) => ({ '': allOf(exact(f, t, 'improvement_sum')) / allOf(exact(f, t, 'improvement_count')) }),
  },
  {
    dashboard: 'quality-analytics',
    title: 'Re-assessments improved',
    usesRange: true,
    key: single,
    expected: (f, t) => {
      const notBetter = perKey(exact(f, t, 'improvement_bucket', [1]), (_, v) => v)['0'] ?? 0;
      return { '': 1 - notBetter / allOf(exact(f, t, 'improvement_count')) };
    },
  },
  {
    dashboard: 'quality-analytics',
    title: 'Score distribution',
    usesRange: true,
    key: le,
    expected: (f, t) => perKey(exact(f, t, 'score_bucket', [1]), (_, v) => v),
  },
  {
    dashboard: 'quality-analytics',
    title: 'Average score by task type',
    usesRange: true,
    key: (l) => l.task_type ?? '',
    expected: (f, t) => ratio(exact(f, t, 'score_sum', [0]), exact(f, t, 'score_count', [0])),
  },
  {
    dashboard: 'quality-analytics',
    title: 'Assessments by task type',
    usesRange: true,
    key: (l) => l.task_type ?? '',
    expected: (f, t) => perKey(exact(f, t, 'assessments', [0]), (_, v) => v),
  },
  { dashboard: 'quality-analytics', title: 'Grade mix', usesRange: true, key: (l) => l.grade ?? '', expected: (f, t) => perKey(exact(f, t, 'assessments', [1]), (_, v) => v) },
];

/** The panel's query for a range of `rangeMs` ending at the evaluation time; every agent selected. */
export function panelQuery(panel: RangePanel, rangeMs: number): string {
  return substitute(panelExpr(panel.dashboard, panel.title), { range: `${Math.round(rangeMs)}ms`, rateInterval: '1m', interval: '15s' });
}

/** A sample value of the HTTP API: Go's +Inf/-Inf spelling is not JavaScript's. */
const sampleValue = (text: string) => (text === '+Inf' ? Infinity : text === '-Inf' ? -Infinity : Number(text));

/**
 * A query result as the panel shows it: one value per legend key. A ratio over
 * a range where nothing happened is 0/0: Prometheus answers NaN, VictoriaMetrics
 * leaves the row out; both mean "no value", so NaN rows are dropped here.
 */
export function shown(panel: RangePanel, rows: ReadonlyArray<{ metric: Record<string, string>; value: [number, string] }>): PanelValues {
  return withoutNaN(Object.fromEntries(rows.map((r) => [panel.key(r.metric), sampleValue(r.value[1])])));
}

/** The expected values, NaN (0/0) rows dropped as in shown(). */
export function expectedOf(panel: RangePanel, from: Checkpoint, to: Checkpoint): PanelValues {
  return withoutNaN(panel.expected(from, to));
}

const withoutNaN = (values: PanelValues): PanelValues => Object.fromEntries(Object.entries(values).filter(([, v]) => !Number.isNaN(v)));
