import * as alerting from '@grafana/grafana-foundation-sdk/alerting';
import * as expr from '@grafana/grafana-foundation-sdk/expr';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import { CARRIED, FLEET_SUMS, RESET_WATCH, carriedRuleExpr } from './carried.ts';
import { AGENT_JOB, AGENT_SERVICE_NAME, DATASOURCE_UID, SILENCE_WINDOW } from './common.ts';
import {
  AGENT_IDENTITY,
  ALL_AGENTS,
  activeUsers,
  apiErrorRatio,
  apiLatencyQuantile,
  averageHourlyRate,
  averageQualityScore,
  productivity,
  revenue,
  selector,
} from './promql.ts';

/**
 * The five alerts and the recording rules, defined once. alert-outputs.ts renders
 * them as a Prometheus rule file and as Grafana alerting provisioning; both run
 * the same PromQL, so promtool's unit tests prove the Grafana rules too.
 *
 * The business alerts aggregate `by (job)`: the pull job and the Collector path
 * (which turns service.name into `job`) both carry it, and a platform whose
 * events are spread over several agents of one job is judged as a whole.
 * QualityBillingSystemDown is per agent (see systemDown).
 */

export type Severity = 'critical' | 'warning';

export interface AlertDefinition {
  /** Prometheus alertname and Grafana rule title. */
  readonly name: string;
  /** Grafana rule uid (stable; at most 40 characters). */
  readonly uid: string;
  /** PromQL that returns a series per firing alert (comparison included). */
  readonly expr: string;
  readonly for: string;
  readonly severity: Severity;
  readonly summary: string;
  /** Description template; `value` is how each output spells the alert's value. */
  readonly description: (value: { raw: string; percent: string; seconds: string }) => string;
  readonly runbook: string;
}

/** Thresholds of the alerts (the dashboards colour at the same values, see THRESHOLDS in common.ts). */
export const ALERT_THRESHOLDS = {
  errorRatio: 0.1,
  qualityScore: 70,
  p95Seconds: 2,
} as const;

const JOB = ['job'];

/**
 * How long QualityBillingSystemDown keeps firing for one silent pushing agent
 * after its last report. An agent removed on purpose fires until then; after
 * that it is forgotten (while no agent at all reports, the fleet alert fires).
 */
export const FORGET_AGENT_AFTER = '1h';

/** The agent's series on every data path: pull (scrape job), Collector (job from service.name), direct push (service_name). */
const AGENT_MATCHERS = [...new Set([`job="${AGENT_JOB}"`, `job="${AGENT_SERVICE_NAME}"`, `service_name="${AGENT_SERVICE_NAME}"`])];

/** `fn(qb_agent_build_info{m}[range])` for each shape of the agent's series, joined with `op`. */
const buildInfo = (fn: string, range: string, op: string) => AGENT_MATCHERS.map((m) => `${fn}(${selector('qb_agent_build_info', [], m)}[${range}])`).join(` ${op} `);

export const ALERTS: readonly AlertDefinition[] = [
  {
    name: 'QualityBillingHighErrorRate',
    uid: 'qb-high-error-rate',
    expr: `(\n${apiErrorRatio(ALL_AGENTS, '5m', JOB)}\n) > ${ALERT_THRESHOLDS.errorRatio}`,
    for: '5m',
    severity: 'critical',
    summary: 'More than 10 % of the billing API\'s requests fail with 5xx',
    description: (v) => `${v.percent} of the API requests reported to {{ $labels.job }} in the last 5 minutes were answered with a 5xx status.`,
    runbook:
      'Open the Operations dashboard, "API error rate" and "API requests by status code": find the route and status. Check the billing platform\'s logs and deployments for that route; roll back a bad release. The agent only reports what the platform sends in api_request events.',
  },
  {
    name: 'QualityBillingLowQualityScore',
    uid: 'qb-low-quality-score',
    // From the carried series: exact over the window, and the same on VictoriaMetrics, whose increase()
    // ignores the first sample of a series born inside the window when it is large (a score sum) but
    // not when it is small (a count), so a new agent made the average look far too low there.
    expr: `(\n${averageQualityScore(ALL_AGENTS, '15m', [], 'exact')}\n) < ${ALERT_THRESHOLDS.qualityScore}`,
    for: '15m',
    severity: 'warning',
    summary: 'Average quality score below 70',
    description: (v) => `The average score of the quality assessments reported by all agents in the last 15 minutes is ${v.raw}.`,
    runbook:
      'Open Quality Analytics: "Average score by task type" shows which task type drags the average down and "Grade mix" how many D grades there are. Tell the team lead of that task type; review recent guideline or tooling changes.',
  },
  {
    name: 'QualityBillingHighResponseTime',
    uid: 'qb-high-response-time',
    expr: `${apiLatencyQuantile(0.95, ALL_AGENTS, '5m', JOB)} > ${ALERT_THRESHOLDS.p95Seconds}`,
    for: '5m',
    severity: 'warning',
    summary: 'Billing API p95 response time above 2 s',
    description: (v) => `95 % of the API requests in the last 5 minutes took up to ${v.seconds}; the target is 2 s ({{ $labels.job }}).`,
    runbook:
      'Open Operations, "API response time by route", to find the slow route. Check the platform\'s database and downstream services; p95 close to 10 s means requests are in the last histogram bucket and the true value may be higher.',
  },
  {
    name: 'QualityBillingNoActiveUsers',
    uid: 'qb-no-active-users',
    expr: `${activeUsers(ALL_AGENTS, JOB)} < 1`,
    for: '30m',
    severity: 'warning',
    summary: 'No active users for 30 minutes',
    description: () => 'No user has been active on {{ $labels.job }} for 30 minutes: either nobody works or the platform stopped sending events.',
    runbook:
      'Out of working hours this may be expected (silence it). Otherwise check Operations, "Ingested events by outcome": no accepted events means the platform stopped sending (its event sender, the network, the ingest token); rejected events mean a client bug.',
  },
  {
    name: 'QualityBillingSystemDown',
    uid: 'qb-system-down',
    expr: systemDown(),
    for: '2m',
    severity: 'critical',
    summary: 'qb-agent is down or its metrics are missing',
    description: () =>
      `qb-agent (job "{{ $labels.job }}", instance "{{ $labels.instance }}", service_instance_id "{{ $labels.service_instance_id }}") is down: Prometheus cannot scrape it, it serves no qb_agent_build_info, or nothing of it arrived in the last ${SILENCE_WINDOW}. With neither instance nor service_instance_id, no agent of job or service "${AGENT_SERVICE_NAME}" reports at all. The agent stopped, its pushes stopped (Collector, network, backend) or /metrics is empty: billing and quality figures are not being recorded.`,
    runbook:
      `Check the agent process (systemctl status / docker ps, its logs) and GET /healthz. Pull: open the Prometheus targets page for the scrape error. Push: check the agent's log for OTLP export failures and the "Time since last OTLP push" panel history; through the Collector, its health (port 13133) and logs. Events the platform sends meanwhile are rejected at the connection, so the platform must retry them (ids make retries safe). Bound: a scraped agent fires while it stays in prometheus.yml and fails; a pushing agent fires for at most ${FORGET_AGENT_AFTER} after its last report, so one removed on purpose stops by itself (silence it by service_instance_id or instance meanwhile), and one still down after ${FORGET_AGENT_AFTER} is no longer alerted on (it stays DOWN on "Agent up"); while no agent reports at all, one alert without instance fires until one does.`,
  },
];

/**
 * The agent is down, one alert per agent where we can tell agents apart:
 * 1. pull: a scrape fails (`up == 0`), per target;
 * 2. pull: a target is scraped but serves no qb_agent_build_info, per target;
 * 3. push (Collector: job/instance; direct: service_instance_id): an agent that
 *    reported in the last FORGET_AGENT_AFTER but not in the last SILENCE_WINDOW,
 *    per agent (AGENT_IDENTITY, so an upgrade's new service_version or host_name
 *    is the same agent). Range functions on both sides, so a staleness marker
 *    (pull, Collector) and the backend's lookback (direct push, none) do not
 *    matter. Agents Prometheus scrapes are left to 1 and 2: a target removed
 *    from the scrape configuration is gone on purpose;
 * 4. no agent at all: no qb_agent_build_info of any shape for SILENCE_WINDOW
 *    and no scrape target; one alert, which also covers an agent never seen
 *    (new Prometheus) and lasts until one reports. Branch 3 gives way to it,
 *    so a fleet that stops entirely is one alert, not one per agent.
 */
function systemDown(): string {
  const up = selector('up', [], `job="${AGENT_JOB}"`);
  const id = AGENT_IDENTITY.join(', ');
  const noAgentAtAll = `(${buildInfo('absent_over_time', SILENCE_WINDOW, 'and on ()')}) unless on () ${up}`;
  return [
    `${up} == 0`,
    'or',
    `(${up} == 1 unless on (job, instance) ${selector('qb_agent_build_info', [], `job="${AGENT_JOB}"`)})`,
    'or',
    '(',
    `  max by (${id}) (${buildInfo('max_over_time', FORGET_AGENT_AFTER, 'or')})`,
    `  unless on (${id}) max by (${id}) (${buildInfo('max_over_time', SILENCE_WINDOW, 'or')})`,
    `  unless on (job, instance) max_over_time(${up}[${FORGET_AGENT_AFTER}])`,
    `  unless on () (${noAgentAtAll})`,
    ')',
    'or',
    `(${noAgentAtAll})`,
  ].join('\n');
}

/** A recording rule: a derived figure kept as its own series. */
export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
}

/**
 * Derived figures worth keeping as series: cheap long-range queries and ad-hoc
 * use. Dashboards compute the same figures inline (same builders) so that they
 * also work on a backend without these rules (VictoriaMetrics without vmalert).
 */
export const RECORDING_RULES: readonly RecordingRule[] = [
  { record: 'job:quality_billing_api_error_ratio:rate5m', expr: apiErrorRatio(ALL_AGENTS, '5m', JOB) },
  { record: 'job:quality_billing_api_response_time_seconds:p95_rate5m', expr: apiLatencyQuantile(0.95, ALL_AGENTS, '5m', JOB) },
  { record: 'job:quality_billing_quality_score:mean_increase15m', expr: averageQualityScore(ALL_AGENTS, '15m', JOB) },
  { record: 'job:quality_billing_productivity:ratio_increase1h', expr: productivity(ALL_AGENTS, '1h', JOB) },
  { record: 'job:quality_billing_active_users:sum', expr: activeUsers(ALL_AGENTS, JOB) },
  { record: 'job_currency:quality_billing_revenue:increase1h', expr: revenue(ALL_AGENTS, '1h', JOB) },
  { record: 'job_currency:quality_billing_average_hourly_rate:ratio_increase1d', expr: averageHourlyRate(ALL_AGENTS, '1d', JOB) },
];

/**
 * The carried counters (carried.ts) every exact figure reads, then the per-agent
 * series "Counter resets in range" reads and the fleet-wide sums the figures
 * drawn over months read. One group: rules of a group run in order, so the sums
 * add up the values just carried.
 */
export const CARRIED_RULES: readonly RecordingRule[] = [
  ...CARRIED.map((c) => ({ record: c.record, expr: carriedRuleExpr(c) })),
  RESET_WATCH,
  ...FLEET_SUMS.map((f) => ({ record: f.record, expr: f.expr })),
];

/** Grafana rules evaluate the PromQL as an instant query, then fire for every series it returns (as Prometheus does). */
export function grafanaRule(alert: AlertDefinition, folderUid: string, group: string): alerting.Rule {
  return new alerting.RuleBuilder(alert.name)
    .uid(alert.uid)
    .folderUID(folderUid)
    .ruleGroup(group)
    .orgID(1)
    .condition('B')
    .withQuery(
      new alerting.QueryBuilder('A')
        .datasourceUid(DATASOURCE_UID)
        .relativeTimeRange({ from: 3600, to: 0 })
        .model(new prometheus.DataqueryBuilder().refId('A').expr(alert.expr).instant().datasource({ type: 'prometheus', uid: DATASOURCE_UID })),
    )
    .withQuery(
      new alerting.QueryBuilder('B')
        .datasourceUid('__expr__')
        .relativeTimeRange({ from: 0, to: 0 })
        .model(new expr.TypeMathBuilder().refId('B').expression('is_number($A) || is_nan($A) || is_inf($A)').datasource({ type: '__expr__', uid: '__expr__' })),
    )
    .forDuration(alert.for)
    .noDataState('OK')
    .execErrState('Error')
    .isPaused(false)
    .labels({ severity: alert.severity, service: 'quality-billing' })
    .annotations({
      summary: alert.summary,
      description: alert.description({
        raw: '{{ humanize $values.A.Value }}',
        percent: '{{ humanizePercentage $values.A.Value }}',
        seconds: '{{ humanizeDuration $values.A.Value }}',
      }),
      runbook: alert.runbook,
    })
    .build();
}
