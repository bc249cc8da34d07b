import { prometheusMetricName } from '../telemetry/prometheus-name.ts';

/**
 * The business metric catalogue: one row per metric, the single source of truth
 * for instrument names, units, buckets, labels and HELP texts. Recording
 * (recorder.ts), SDK views (views.ts) and docs/metrics.md are all derived from it.
 *
 * Instrument names are already Prometheus-shaped (underscores, unit word in the
 * name) and units are UCUM; counters get `_total` from the exporter. The OTLP
 * to Prometheus translation (Collector, VictoriaMetrics, Prometheus' OTLP
 * receiver) appends a unit only when the name lacks it and drops `{annotation}`
 * units, so both data paths produce the same series names.
 */
export type MetricKind = 'counter' | 'histogram' | 'gauge';

export interface MetricSpec {
  /** Instrument name; also the Prometheus name (plus `_total` for counters). */
  readonly name: string;
  readonly kind: MetricKind;
  readonly unit: string;
  readonly help: string;
  readonly labels: readonly string[];
  /** Explicit bucket boundaries for histograms. */
  readonly buckets?: readonly number[];
  /** Which event field feeds it, for docs/metrics.md. */
  readonly source: string;
}

export const API_RESPONSE_TIME_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;
export const QUALITY_SCORE_BUCKETS = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100] as const;
export const IMPROVEMENT_BUCKETS = [-50, -20, -10, -5, 0, 5, 10, 20, 50] as const;

export const CATALOGUE = {
  workTime: {
    name: 'quality_billing_work_time_seconds',
    kind: 'counter',
    unit: 's',
    help: 'Work time reported by annotators, in seconds.',
    labels: ['task_type'],
    source: 'work_session.duration_seconds',
  },
  effectiveWorkTime: {
    name: 'quality_billing_effective_work_time_seconds',
    kind: 'counter',
    unit: 's',
    help: 'Effective (productive) work time, in seconds; effective / total is productivity.',
    labels: ['task_type'],
    source: 'work_session.effective_seconds',
  },
  workSessions: {
    name: 'quality_billing_work_sessions',
    kind: 'counter',
    unit: '{session}',
    help: 'Work sessions reported.',
    labels: ['task_type'],
    source: '1 per work_session',
  },
  activeUsers: {
    name: 'quality_billing_active_users',
    kind: 'gauge',
    unit: '{user}',
    help: 'Distinct users with an event in the last business.activeUserWindowSec seconds, less those whose latest user_activity is inactive.',
    labels: [],
    source: 'user of every event that has one; user_activity.state',
  },
  qualityScore: {
    name: 'quality_billing_quality_score',
    kind: 'histogram',
    unit: '{score}',
    help: 'Quality assessment scores (0-100).',
    labels: ['task_type'],
    buckets: QUALITY_SCORE_BUCKETS,
    source: 'quality_assessment.score',
  },
  qualityAssessments: {
    name: 'quality_billing_quality_assessments',
    kind: 'counter',
    unit: '{assessment}',
    help: 'Quality assessments by task type and grade (grade from business.gradeThresholds).',
    labels: ['task_type', 'grade'],
    source: '1 per quality_assessment',
  },
  qualityImprovement: {
    name: 'quality_billing_quality_improvement_points',
    kind: 'histogram',
    unit: '{point}',
    help: 'Score change against the previous assessment (score - previous_score), when the previous score is given.',
    labels: ['task_type'],
    buckets: IMPROVEMENT_BUCKETS,
    source: 'quality_assessment.score - previous_score',
  },
  invoices: {
    name: 'quality_billing_invoices',
    kind: 'counter',
    unit: '{invoice}',
    help: 'Invoices issued.',
    labels: ['currency', 'quality_grade'],
    source: '1 per invoice',
  },
  invoiceAmount: {
    name: 'quality_billing_invoice_amount_cents',
    kind: 'counter',
    unit: '{cent}',
    help: 'Invoiced amount in minor currency units (cents); exact up to 2^53 - 1 in total.',
    labels: ['currency', 'quality_grade'],
    source: 'invoice.amount_cents',
  },
  billedTime: {
    name: 'quality_billing_billed_time_seconds',
    kind: 'counter',
    unit: 's',
    help: 'Billed time in seconds; invoice amount / billed time is the average hourly rate.',
    labels: ['currency', 'quality_grade'],
    source: 'invoice.billed_hours x 3600',
  },
  apiRequests: {
    name: 'quality_billing_api_requests',
    kind: 'counter',
    unit: '{request}',
    help: 'Requests served by the billing platform\'s API, by route template, method and status code.',
    labels: ['route', 'method', 'status_code'],
    source: '1 per api_request',
  },
  apiResponseTime: {
    name: 'quality_billing_api_response_time_seconds',
    kind: 'histogram',
    unit: 's',
    help: 'Response time of the billing platform\'s API, by route template and method.',
    labels: ['route', 'method'],
    buckets: API_RESPONSE_TIME_BUCKETS,
    source: 'api_request.duration_seconds',
  },
} as const satisfies Record<string, MetricSpec>;

export type MetricKey = keyof typeof CATALOGUE;

/** The Prometheus name of a catalogue metric as /metrics has it (counters are monotonic sums). */
export function prometheusName(spec: MetricSpec): string {
  return prometheusMetricName(spec.name, spec.kind === 'counter')!;
}
