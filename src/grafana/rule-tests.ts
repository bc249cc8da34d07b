import { ALERTS, FORGET_AGENT_AFTER, type AlertDefinition } from './alerts.ts';
import { carriedRecordOf } from './carried.ts';
import { AGENT_JOB } from './common.ts';

/**
 * promtool unit tests of the rule file (prometheus/rules/quality-billing.rules.test.yml):
 * every alert firing, not firing below its threshold and still pending before
 * its `for`, plus exact values of the recording rules. Inputs and expected
 * values are written out by hand here; only the annotation texts come from the
 * alert definitions, with the value Prometheus must render spelled out.
 */

interface Series {
  readonly series: string;
  readonly values: string;
}
interface AlertCase {
  readonly eval_time: string;
  readonly alertname: string;
  readonly exp_alerts: readonly { exp_labels: Record<string, string>; exp_annotations: Record<string, string> }[];
}
interface ExprCase {
  readonly expr: string;
  readonly eval_time: string;
  readonly exp_samples: readonly { labels: string; value: number }[];
}
interface TestGroup {
  readonly name: string;
  readonly interval: string;
  readonly input_series: readonly Series[];
  readonly alert_rule_test?: readonly AlertCase[];
  readonly promql_expr_test?: readonly ExprCase[];
}

const J = `job="${AGENT_JOB}"`;

function alert(name: string): AlertDefinition {
  const found = ALERTS.find((a) => a.name === name);
  if (!found) throw new Error(`no alert ${name}`);
  return found;
}

/** One expected firing alert; `value` is what Prometheus' humanize functions must print. */
function firing(name: string, labels: Record<string, string>, value = ''): AlertCase['exp_alerts'][number] {
  const a = alert(name);
  const expand = (text: string) =>
    text
      .replaceAll('{{ $labels.job }}', labels.job ?? '')
      .replaceAll('{{ $labels.instance }}', labels.instance ?? '')
      .replaceAll('{{ $labels.service_instance_id }}', labels.service_instance_id ?? '');
  return {
    exp_labels: { ...labels, severity: a.severity, service: 'quality-billing' },
    exp_annotations: {
      summary: a.summary,
      description: expand(a.description({ raw: value, percent: value, seconds: value })),
      runbook: a.runbook,
    },
  };
}

const requests = (status: string, values: string): Series => ({
  series: `quality_billing_api_requests_total{${J}, route="/api/tasks/:id", method="GET", status_code="${status}"}`,
  values,
});
const bucket = (le: string, values: string): Series => ({
  series: `quality_billing_api_response_time_seconds_bucket{${J}, route="/api/tasks/:id", method="GET", le="${le}"}`,
  values,
});
const buckets = (counts: Record<string, string>): Series[] => Object.entries(counts).map(([le, v]) => bucket(le, v));
const score = (sum: string, count: string): Series[] => [
  { series: `quality_billing_quality_score_sum{${J}, service_instance_id="u1", task_type="labeling"}`, values: sum },
  { series: `quality_billing_quality_score_count{${J}, service_instance_id="u1", task_type="labeling"}`, values: count },
];
const amount = (currency: string, values: string): Series => ({ series: `quality_billing_invoice_amount_cents_total{${J}, currency="${currency}", quality_grade="A"}`, values });
const billed = (currency: string, values: string): Series => ({ series: `quality_billing_billed_time_seconds_total{${J}, currency="${currency}", quality_grade="A"}`, values });

const JOB_LABELS = { job: AGENT_JOB };
const AMOUNT_TOTAL = 'quality_billing_invoice_amount_cents_total';
const CARRIED_AMOUNT = carriedRecordOf(AMOUNT_TOTAL);

export const RULE_TEST_GROUPS: readonly TestGroup[] = [
  {
    name: 'HighErrorRate fires at 25 % 5xx, after 5 minutes',
    interval: '1m',
    // 3 requests/s answered 200 and 1/s answered 500 (whole numbers keep the ratio exact in floating point).
    input_series: [requests('200', '0+180x30'), requests('500', '0+60x30')],
    alert_rule_test: [
      { eval_time: '4m', alertname: 'QualityBillingHighErrorRate', exp_alerts: [] },
      { eval_time: '10m', alertname: 'QualityBillingHighErrorRate', exp_alerts: [firing('QualityBillingHighErrorRate', JOB_LABELS, '25%')] },
    ],
    promql_expr_test: [{ expr: 'job:quality_billing_api_error_ratio:rate5m', eval_time: '10m', exp_samples: [{ labels: `job:quality_billing_api_error_ratio:rate5m{${J}}`, value: 0.25 }] }],
  },
  {
    name: 'HighErrorRate stays quiet at 5 % 5xx and at no 5xx (0 %, not no data)',
    interval: '1m',
    input_series: [requests('200', '0+1140x30'), requests('503', '0+60x30'), { ...requests('200', '0+100x30'), series: 'quality_billing_api_requests_total{job="other", route="/", method="GET", status_code="200"}' }],
    alert_rule_test: [{ eval_time: '20m', alertname: 'QualityBillingHighErrorRate', exp_alerts: [] }],
    promql_expr_test: [
      {
        expr: 'job:quality_billing_api_error_ratio:rate5m',
        eval_time: '20m',
        exp_samples: [
          { labels: `job:quality_billing_api_error_ratio:rate5m{${J}}`, value: 0.05 },
          { labels: 'job:quality_billing_api_error_ratio:rate5m{job="other"}', value: 0 },
        ],
      },
    ],
  },
  {
    name: 'LowQualityScore fires at an average of 65 after 15 minutes (all agents)',
    interval: '1m',
    input_series: score('0+650x60', '0+10x60'),
    alert_rule_test: [
      { eval_time: '10m', alertname: 'QualityBillingLowQualityScore', exp_alerts: [] },
      { eval_time: '30m', alertname: 'QualityBillingLowQualityScore', exp_alerts: [firing('QualityBillingLowQualityScore', {}, '65')] },
    ],
  },
  {
    name: 'LowQualityScore stays quiet when a second agent at 85 lifts the fleet average to 75',
    interval: '1m',
    input_series: [
      ...score('0+650x60', '0+10x60'),
      { series: 'quality_billing_quality_score_sum{job="good", service_instance_id="u2", task_type="labeling"}', values: '0+850x60' },
      { series: 'quality_billing_quality_score_count{job="good", service_instance_id="u2", task_type="labeling"}', values: '0+10x60' },
    ],
    alert_rule_test: [{ eval_time: '30m', alertname: 'QualityBillingLowQualityScore', exp_alerts: [] }],
    promql_expr_test: [
      {
        expr: 'job:quality_billing_quality_score:mean_increase15m',
        eval_time: '30m',
        exp_samples: [
          { labels: 'job:quality_billing_quality_score:mean_increase15m{job="good"}', value: 85 },
          { labels: `job:quality_billing_quality_score:mean_increase15m{${J}}`, value: 65 },
        ],
      },
    ],
  },
  {
    name: 'HighResponseTime fires at p95 4.75 s, not at p95 0.4875 s',
    interval: '1m',
    input_series: [
      // Half the requests between 1 and 2.5 s, half between 2.5 and 5 s: p95 = 2.5 + 2.5 * 45/50 = 4.75 s.
      ...buckets({ '1': '0x30', '2.5': '0+50x30', '5': '0+100x30', '+Inf': '0+100x30' }),
      // All requests under 0.5 s on another job: p95 = 0.25 + 0.25 * 0.95 = 0.4875 s.
      ...['0.25', '0.5', '+Inf'].map((le) => ({ series: `quality_billing_api_response_time_seconds_bucket{job="fast", le="${le}"}`, values: le === '0.25' ? '0x30' : '0+100x30' })),
    ],
    alert_rule_test: [
      { eval_time: '3m', alertname: 'QualityBillingHighResponseTime', exp_alerts: [] },
      { eval_time: '10m', alertname: 'QualityBillingHighResponseTime', exp_alerts: [firing('QualityBillingHighResponseTime', JOB_LABELS, '4.75s')] },
    ],
    promql_expr_test: [
      {
        expr: 'job:quality_billing_api_response_time_seconds:p95_rate5m',
        eval_time: '10m',
        exp_samples: [
          { labels: 'job:quality_billing_api_response_time_seconds:p95_rate5m{job="fast"}', value: 0.4875 },
          { labels: `job:quality_billing_api_response_time_seconds:p95_rate5m{${J}}`, value: 4.75 },
        ],
      },
    ],
  },
  {
    name: 'NoActiveUsers fires after 30 minutes at zero, not while users are active',
    interval: '1m',
    input_series: [
      { series: `quality_billing_active_users{${J}, instance="a:9464"}`, values: '0x60' },
      { series: 'quality_billing_active_users{job="busy", instance="b:9464"}', values: '3x60' },
      { series: 'quality_billing_active_users{job="busy", instance="c:9464"}', values: '4x60' },
    ],
    alert_rule_test: [
      { eval_time: '20m', alertname: 'QualityBillingNoActiveUsers', exp_alerts: [] },
      { eval_time: '40m', alertname: 'QualityBillingNoActiveUsers', exp_alerts: [firing('QualityBillingNoActiveUsers', JOB_LABELS)] },
    ],
    promql_expr_test: [
      {
        expr: 'job:quality_billing_active_users:sum',
        eval_time: '40m',
        exp_samples: [
          { labels: 'job:quality_billing_active_users:sum{job="busy"}', value: 7 },
          { labels: `job:quality_billing_active_users:sum{${J}}`, value: 0 },
        ],
      },
    ],
  },
  {
    name: 'SystemDown (pull) fires once per failed scrape target, not a second time for the missing metrics',
    interval: '1m',
    input_series: [{ series: `up{${J}, instance="a:9464"}`, values: '0x10' }],
    alert_rule_test: [
      { eval_time: '1m', alertname: 'QualityBillingSystemDown', exp_alerts: [] },
      { eval_time: '5m', alertname: 'QualityBillingSystemDown', exp_alerts: [firing('QualityBillingSystemDown', { ...JOB_LABELS, instance: 'a:9464' })] },
    ],
  },
  {
    name: 'SystemDown (pull) fires per target that is up but serves no metrics',
    interval: '1m',
    input_series: [{ series: `up{${J}, instance="a:9464"}`, values: '1x10' }],
    alert_rule_test: [{ eval_time: '5m', alertname: 'QualityBillingSystemDown', exp_alerts: [firing('QualityBillingSystemDown', { ...JOB_LABELS, instance: 'a:9464' })] }],
  },
  {
    name: 'SystemDown (pull, two targets) fires for the one whose metrics vanish while the other is healthy',
    interval: '1m',
    input_series: [
      { series: `up{${J}, instance="a:9464"}`, values: '1x30' },
      { series: `qb_agent_build_info{${J}, instance="a:9464", version="0.1.0", otel_scope_name="qb-agent"}`, values: '1x30' },
      { series: `up{${J}, instance="b:9464"}`, values: '1x30' },
      // b's /metrics loses everything after 10m (scraped, but empty): stale from 11m, firing from 13m.
      { series: `qb_agent_build_info{${J}, instance="b:9464", version="0.1.0", otel_scope_name="qb-agent"}`, values: '1x10 stale' },
    ],
    alert_rule_test: [
      { eval_time: '10m', alertname: 'QualityBillingSystemDown', exp_alerts: [] },
      { eval_time: '12m', alertname: 'QualityBillingSystemDown', exp_alerts: [] },
      { eval_time: '13m', alertname: 'QualityBillingSystemDown', exp_alerts: [firing('QualityBillingSystemDown', { ...JOB_LABELS, instance: 'b:9464' })] },
      { eval_time: '30m', alertname: 'QualityBillingSystemDown', exp_alerts: [firing('QualityBillingSystemDown', { ...JOB_LABELS, instance: 'b:9464' })] },
    ],
  },
  {
    name: 'SystemDown (pull, two targets) stays quiet when a target is removed from the scrape configuration',
    interval: '1m',
    input_series: [
      { series: `up{${J}, instance="a:9464"}`, values: '1x90' },
      { series: `qb_agent_build_info{${J}, instance="a:9464", version="0.1.0"}`, values: '1x90' },
      // Prometheus stops scraping b at 10m and marks its series stale: a decision, not an outage.
      { series: `up{${J}, instance="b:9464"}`, values: '1x10 stale' },
      { series: `qb_agent_build_info{${J}, instance="b:9464", version="0.1.0"}`, values: '1x10 stale' },
    ],
    alert_rule_test: [
      { eval_time: '15m', alertname: 'QualityBillingSystemDown', exp_alerts: [] },
      { eval_time: '40m', alertname: 'QualityBillingSystemDown', exp_alerts: [] },
      { eval_time: '80m', alertname: 'QualityBillingSystemDown', exp_alerts: [] },
    ],
  },
  {
    name: 'SystemDown (pull) stays quiet while the agent is scraped and serves metrics, though no series has service_name',
    interval: '1m',
    input_series: [
      { series: `up{${J}, instance="a:9464"}`, values: '1x30' },
      { series: `qb_agent_build_info{${J}, instance="a:9464", version="0.1.0", otel_scope_name="qb-agent"}`, values: '1x30' },
    ],
    alert_rule_test: [
      { eval_time: '8m', alertname: 'QualityBillingSystemDown', exp_alerts: [] },
      { eval_time: '30m', alertname: 'QualityBillingSystemDown', exp_alerts: [] },
    ],
  },
  {
    name: 'SystemDown (push through the Collector: job, no up) fires 2m after 2m without pushes',
    interval: '1m',
    // Samples until 3m: the 2m window (left-open on Prometheus 3) still holds one at 4m, none from 5m; pending for 2m, firing from 7m.
    input_series: [{ series: `qb_agent_build_info{${J}, instance="a:9464", service_name="qb-agent", version="0.1.0"}`, values: '1x3 stale' }],
    alert_rule_test: [
      { eval_time: '3m', alertname: 'QualityBillingSystemDown', exp_alerts: [] },
      { eval_time: '6m', alertname: 'QualityBillingSystemDown', exp_alerts: [] },
      { eval_time: '7m', alertname: 'QualityBillingSystemDown', exp_alerts: [firing('QualityBillingSystemDown', JOB_LABELS)] },
    ],
  },
  {
    name: 'SystemDown (push straight into an OTLP backend: service_name, no job, no up) stays quiet while pushes arrive',
    interval: '1m',
    input_series: [{ series: 'qb_agent_build_info{service_name="qb-agent", service_instance_id="h:9464", host_name="h", version="0.1.0"}', values: '1x30' }],
    alert_rule_test: [
      { eval_time: '8m', alertname: 'QualityBillingSystemDown', exp_alerts: [] },
      { eval_time: '30m', alertname: 'QualityBillingSystemDown', exp_alerts: [] },
    ],
  },
  {
    name: 'SystemDown (push straight into an OTLP backend) fires when pushes stop',
    interval: '1m',
    // Samples until 10m: absent from 12m (the 2m window is left-open), firing from 14m, and as long as nothing arrives.
    input_series: [{ series: 'qb_agent_build_info{service_name="qb-agent", service_instance_id="h:9464", host_name="h", version="0.1.0"}', values: '1x10 _x20' }],
    alert_rule_test: [
      { eval_time: '10m', alertname: 'QualityBillingSystemDown', exp_alerts: [] },
      { eval_time: '13m', alertname: 'QualityBillingSystemDown', exp_alerts: [] },
      { eval_time: '14m', alertname: 'QualityBillingSystemDown', exp_alerts: [firing('QualityBillingSystemDown', JOB_LABELS)] },
      { eval_time: '25m', alertname: 'QualityBillingSystemDown', exp_alerts: [firing('QualityBillingSystemDown', JOB_LABELS)] },
    ],
  },
  {
    name: `SystemDown (push through the Collector, two agents) fires for the one that stopped, while the other pushes, for ${FORGET_AGENT_AFTER}`,
    interval: '1m',
    input_series: [
      { series: `qb_agent_build_info{${J}, instance="u1", service_version="0.1.0", version="0.1.0"}`, values: '1x90' },
      // u2's last push is at 10m (the Collector then drops the series, which Prometheus marks stale):
      // silent from 12m, firing from 14m until its last sample leaves the (left-open) 1h window at 70m.
      { series: `qb_agent_build_info{${J}, instance="u2", service_version="0.1.0", version="0.1.0"}`, values: '1x10 stale' },
    ],
    alert_rule_test: [
      { eval_time: '13m', alertname: 'QualityBillingSystemDown', exp_alerts: [] },
      { eval_time: '14m', alertname: 'QualityBillingSystemDown', exp_alerts: [firing('QualityBillingSystemDown', { ...JOB_LABELS, instance: 'u2' })] },
      { eval_time: '69m', alertname: 'QualityBillingSystemDown', exp_alerts: [firing('QualityBillingSystemDown', { ...JOB_LABELS, instance: 'u2' })] },
      { eval_time: '71m', alertname: 'QualityBillingSystemDown', exp_alerts: [] },
      { eval_time: '90m', alertname: 'QualityBillingSystemDown', exp_alerts: [] },
    ],
  },
  {
    name: `SystemDown (push straight into an OTLP backend, two agents) fires for the one that stopped, while the other pushes, for ${FORGET_AGENT_AFTER}`,
    interval: '1m',
    input_series: [
      { series: 'qb_agent_build_info{service_name="qb-agent", service_instance_id="u1", host_name="h1", service_version="0.1.0", version="0.1.0"}', values: '1x90' },
      // No staleness marker on push: the series just ends at 10m (and stays visible for the 5m lookback).
      { series: 'qb_agent_build_info{service_name="qb-agent", service_instance_id="u2", host_name="h2", service_version="0.1.0", version="0.1.0"}', values: '1x10' },
    ],
    alert_rule_test: [
      { eval_time: '13m', alertname: 'QualityBillingSystemDown', exp_alerts: [] },
      { eval_time: '14m', alertname: 'QualityBillingSystemDown', exp_alerts: [firing('QualityBillingSystemDown', { service_instance_id: 'u2' })] },
      { eval_time: '69m', alertname: 'QualityBillingSystemDown', exp_alerts: [firing('QualityBillingSystemDown', { service_instance_id: 'u2' })] },
      { eval_time: '71m', alertname: 'QualityBillingSystemDown', exp_alerts: [] },
    ],
  },
  {
    name: 'SystemDown (push straight into an OTLP backend) stays quiet across an upgrade that changes service_version, host_name and version',
    interval: '1m',
    input_series: [
      { series: 'qb_agent_build_info{service_name="qb-agent", service_instance_id="u1", host_name="h1", service_version="0.1.0", version="0.1.0"}', values: '1x10' },
      { series: 'qb_agent_build_info{service_name="qb-agent", service_instance_id="u1", host_name="h2", service_version="0.2.0", version="0.2.0"}', values: '_x11 1x80' },
      { series: 'qb_agent_build_info{service_name="qb-agent", service_instance_id="u2", host_name="h3", service_version="0.2.0", version="0.2.0"}', values: '1x90' },
    ],
    alert_rule_test: [
      { eval_time: '16m', alertname: 'QualityBillingSystemDown', exp_alerts: [] },
      { eval_time: '30m', alertname: 'QualityBillingSystemDown', exp_alerts: [] },
      { eval_time: '90m', alertname: 'QualityBillingSystemDown', exp_alerts: [] },
    ],
  },
  {
    name: 'SystemDown (push) fires once for the whole fleet, not per agent, when every agent stops, and until one reports',
    interval: '1m',
    input_series: [
      { series: 'qb_agent_build_info{service_name="qb-agent", service_instance_id="u1", version="0.1.0"}', values: '1x10' },
      { series: 'qb_agent_build_info{service_name="qb-agent", service_instance_id="u2", version="0.1.0"}', values: '1x10' },
    ],
    alert_rule_test: [
      { eval_time: '13m', alertname: 'QualityBillingSystemDown', exp_alerts: [] },
      { eval_time: '14m', alertname: 'QualityBillingSystemDown', exp_alerts: [firing('QualityBillingSystemDown', JOB_LABELS)] },
      { eval_time: '120m', alertname: 'QualityBillingSystemDown', exp_alerts: [firing('QualityBillingSystemDown', JOB_LABELS)] },
    ],
  },
  {
    name: 'SystemDown stays quiet when another service pushes but fires for ours',
    interval: '1m',
    input_series: [{ series: 'qb_agent_build_info{service_name="other-agent", service_instance_id="h:9464", version="0.1.0"}', values: '1x30' }],
    alert_rule_test: [{ eval_time: '10m', alertname: 'QualityBillingSystemDown', exp_alerts: [firing('QualityBillingSystemDown', JOB_LABELS)] }],
  },
  {
    name: 'Carried counters: a gone agent keeps its last total, a moved agent carries on, an upgrade overlap counts once',
    interval: '1m',
    input_series: [
      // u1 is scraped at a:9464 until 10m, then moved with its state dir to b:9464 (same service_instance_id) from 12m.
      { series: `${AMOUNT_TOTAL}{${J}, instance="a:9464", service_instance_id="u1", currency="EUR", quality_grade="A", otel_scope_name="qb-agent"}`, values: '0+100x10 stale' },
      { series: `${AMOUNT_TOTAL}{${J}, instance="b:9464", service_instance_id="u1", currency="EUR", quality_grade="A", otel_scope_name="qb-agent"}`, values: '_x12 1200+100x18' },
      // u2 is decommissioned after 5m: Prometheus marks its series stale.
      { series: `${AMOUNT_TOTAL}{${J}, instance="c:9464", service_instance_id="u2", currency="EUR", quality_grade="A", otel_scope_name="qb-agent"}`, values: '0+50x5 stale' },
      // u3 pushes and is upgraded at 21m: the old label set stays visible for the 5m lookback next to the new one.
      { series: `${AMOUNT_TOTAL}{service_name="qb-agent", service_instance_id="u3", service_version="1", currency="EUR", quality_grade="A"}`, values: '0+10x20' },
      { series: `${AMOUNT_TOTAL}{service_name="qb-agent", service_instance_id="u3", service_version="2", currency="EUR", quality_grade="A"}`, values: '_x21 210+10x9' },
    ],
    promql_expr_test: [
      {
        expr: CARRIED_AMOUNT,
        eval_time: '11m',
        exp_samples: [
          { labels: `${CARRIED_AMOUNT}{currency="EUR", quality_grade="A", service_instance_id="u1"}`, value: 1000 },
          { labels: `${CARRIED_AMOUNT}{currency="EUR", quality_grade="A", service_instance_id="u2"}`, value: 250 },
          { labels: `${CARRIED_AMOUNT}{currency="EUR", quality_grade="A", service_instance_id="u3"}`, value: 110 },
        ],
      },
      {
        expr: CARRIED_AMOUNT,
        eval_time: '23m',
        exp_samples: [
          { labels: `${CARRIED_AMOUNT}{currency="EUR", quality_grade="A", service_instance_id="u1"}`, value: 2300 },
          { labels: `${CARRIED_AMOUNT}{currency="EUR", quality_grade="A", service_instance_id="u2"}`, value: 250 },
          { labels: `${CARRIED_AMOUNT}{currency="EUR", quality_grade="A", service_instance_id="u3"}`, value: 230 },
        ],
      },
      {
        // Long after u3 stopped pushing (30m) and its lookback ended: carried at its last value.
        expr: CARRIED_AMOUNT,
        eval_time: '50m',
        exp_samples: [
          { labels: `${CARRIED_AMOUNT}{currency="EUR", quality_grade="A", service_instance_id="u1"}`, value: 3000 },
          { labels: `${CARRIED_AMOUNT}{currency="EUR", quality_grade="A", service_instance_id="u2"}`, value: 250 },
          { labels: `${CARRIED_AMOUNT}{currency="EUR", quality_grade="A", service_instance_id="u3"}`, value: 300 },
        ],
      },
      {
        // The fleet-wide sum the figures drawn over months read: every agent, gone or not.
        expr: `currency:${AMOUNT_TOTAL}:carried_sum`,
        eval_time: '50m',
        exp_samples: [{ labels: `currency:${AMOUNT_TOTAL}:carried_sum{currency="EUR"}`, value: 3000 + 250 + 300 }],
      },
    ],
  },
  {
    name: 'Revenue and hourly rate use each currency\'s minor unit and never mix currencies',
    interval: '1m',
    input_series: [
      amount('EUR', '0+10000x120'), // 100.00 EUR a minute
      billed('EUR', '0+7200x120'), // 2 h a minute: 50 EUR/h
      amount('JPY', '0+5000x120'), // 5000 JPY a minute (no minor unit)
      billed('JPY', '0+3600x120'), // 1 h a minute: 5000 JPY/h
      amount('BHD', '0+1000x120'), // 1.000 BHD a minute (3 decimals)
      billed('BHD', '0+1800x120'), // 0.5 h a minute: 2 BHD/h
      { series: `quality_billing_effective_work_time_seconds_total{${J}, task_type="labeling"}`, values: '0+45x120' },
      { series: `quality_billing_work_time_seconds_total{${J}, task_type="labeling"}`, values: '0+60x120' },
    ],
    promql_expr_test: [
      {
        expr: 'job_currency:quality_billing_revenue:increase1h',
        eval_time: '2h',
        exp_samples: [
          { labels: `job_currency:quality_billing_revenue:increase1h{${J}, currency="BHD"}`, value: 60 },
          { labels: `job_currency:quality_billing_revenue:increase1h{${J}, currency="EUR"}`, value: 6000 },
          { labels: `job_currency:quality_billing_revenue:increase1h{${J}, currency="JPY"}`, value: 300000 },
        ],
      },
      {
        expr: 'job_currency:quality_billing_average_hourly_rate:ratio_increase1d',
        eval_time: '2h',
        exp_samples: [
          { labels: `job_currency:quality_billing_average_hourly_rate:ratio_increase1d{${J}, currency="BHD"}`, value: 2 },
          { labels: `job_currency:quality_billing_average_hourly_rate:ratio_increase1d{${J}, currency="EUR"}`, value: 50 },
          { labels: `job_currency:quality_billing_average_hourly_rate:ratio_increase1d{${J}, currency="JPY"}`, value: 5000 },
        ],
      },
      { expr: 'job:quality_billing_productivity:ratio_increase1h', eval_time: '2h', exp_samples: [{ labels: `job:quality_billing_productivity:ratio_increase1h{${J}}`, value: 0.75 }] },
    ],
  },
];

/** The promtool test file; `ruleFile` is relative to the test file's directory. */
export function ruleTestFile(ruleFile: string) {
  return { rule_files: [ruleFile], evaluation_interval: '1m', tests: RULE_TEST_GROUPS };
}
