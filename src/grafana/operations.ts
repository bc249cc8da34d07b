import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { CATALOGUE } from '../business/catalogue.ts';
import { AGENT_SCOPE, PER_AGENT, SILENCE_WINDOW, THRESHOLDS, UNIT, barGauge, baseDashboard, finish, query, stat, timeseries } from './common.ts';
import { activeUsers, apiErrorRatio, apiLatencyQuantile, metric, selector, sumOf } from './promql.ts';

/** Is the agent healthy, is the host it runs on healthy, and is the platform's API healthy? */

const S = AGENT_SCOPE;
const R = '$__rate_interval';
const AGENT_LEGEND = '{{instance}}';

const AGENT = PER_AGENT.join(', ');

/**
 * 1 per agent that is up, 0 per agent that is down. Pull: Prometheus' `up` of
 * the jobs that serve qb_agent_build_info (not Prometheus' own job). Push: there
 * is no `up`; an agent whose pushes arrived in the last SILENCE_WINDOW is up,
 * one seen earlier in the range but silent since is down.
 */
export const AGENT_UP = [
  `max by (${AGENT}) (${selector('up', S)} and on (job) count by (job) (last_over_time(${selector('qb_agent_build_info', S)}[$__range])))`,
  'or',
  // Scraped agents are told by `up` alone: their series also carry service_instance_id, which `up` lacks.
  `(max by (${AGENT}) (last_over_time(${selector('qb_agent_build_info', S)}[${SILENCE_WINDOW}])) unless on (job, instance) ${selector('up', S)})`,
  'or',
  `(max by (${AGENT}) (last_over_time(${selector('qb_agent_build_info', S)}[$__range])) * 0 unless on (job, instance) ${selector('up', S)})`,
].join('\n');

/** Seconds since each agent process started. */
export const AGENT_UPTIME = `time() - max by (${AGENT}) (${selector('qb_agent_start_time_seconds', S)})`;

/** Label combinations per business metric as a share of that agent's business.cardinalityLimit; the fullest agent per metric. */
export const CARDINALITY_USED = `max by (metric) (\n  ${selector('qb_agent_metric_series', S)}\n  / on (${AGENT}) group_left ()\n  max by (${AGENT}) (${selector('qb_agent_cardinality_limit', S)})\n)`;

const perAgent = (inner: string) => `sum by (${PER_AGENT.join(', ')}) (${inner})`;

function agentRow(b: dashboard.DashboardBuilder): void {
  b.withRow(new dashboard.RowBuilder('Agent'))
    .withPanel(
      stat('Agent up', `UP when Prometheus scrapes the agent (pull) or its pushes arrived in the last ${SILENCE_WINDOW} (push); DOWN when a scrape fails or an agent seen in the range has not pushed for ${SILENCE_WINDOW}.`, UNIT.none, THRESHOLDS.zeroIsBad)
        .withTarget(query(AGENT_UP, AGENT_LEGEND, 'A', { instant: true }))
        .mappings([
          {
            type: dashboard.MappingType.ValueToText,
            options: { '0': { text: 'DOWN', color: 'red', index: 0 }, '1': { text: 'UP', color: 'green', index: 1 } },
          },
        ])
        .colorMode(common.BigValueColorMode.Background)
        .span(6),
    )
    .withPanel(
      stat('Agent uptime', 'Time since each agent process started (qb_agent_start_time_seconds). Orange for the first 10 minutes: a value that stays low means the agent keeps restarting (check its logs and the container restart count).', UNIT.duration, THRESHOLDS.uptime)
        .withTarget(query(AGENT_UPTIME, AGENT_LEGEND, 'A', { instant: true }))
        .decimals(0)
        .span(6),
    )
    .withPanel(
      stat('Agent version', 'qb-agent and Node.js versions running, with the number of agents on each.', UNIT.count)
        .withTarget(query(`count by (version, nodejs_version) (${selector('qb_agent_build_info', S)})`, 'qb-agent {{version}} / Node.js {{nodejs_version}}', 'A', { instant: true }))
        .textMode(common.BigValueTextMode.ValueAndName)
        .decimals(0)
        .span(6),
    )
    .withPanel(
      stat('Host collectors failing', 'Host metric collectors whose last run failed (qb_agent_host_collector_success = 0). A failing collector never stops the others.', UNIT.count, THRESHOLDS.anyIsBad)
        .withTarget(query(`count(${selector('qb_agent_host_collector_success', S)} == 0) or vector(0)`, 'Failing collectors', 'A', { instant: true }))
        .decimals(0)
        .span(6),
    );
}

function hostRow(b: dashboard.DashboardBuilder): void {
  const cpu = (extra: string[]) => sumOf('rate', 'system_cpu_time_total', S, R, [...PER_AGENT], ...extra);
  b.withRow(new dashboard.RowBuilder('Host'))
    .withPanel(
      timeseries('CPU busy', 'Share of CPU time not idle, all logical CPUs of the host, from system_cpu_time_total.', UNIT.percent01, THRESHOLDS.utilization)
        .withTarget(query(`1 - ${cpu(['cpu_mode="idle"'])}\n/\n${cpu([])}`, AGENT_LEGEND))
        .min(0)
        .max(1)
        .span(8),
    )
    .withPanel(
      timeseries('Memory used', 'Memory in use (not free, buffers, page cache or reclaimable slab) and the total.', UNIT.bytes)
        .withTarget(query(perAgent(selector('system_memory_usage', S, 'system_memory_state="used"')), `${AGENT_LEGEND} used`, 'A'))
        .withTarget(query(perAgent(selector('system_memory_limit', S)), `${AGENT_LEGEND} total`, 'B'))
        .min(0)
        .span(8),
    )
    .withPanel(
      barGauge('Filesystem used', 'Used share of each mounted filesystem.', UNIT.percent01, THRESHOLDS.utilization)
        .withTarget(
          query(
            `max by (${PER_AGENT.join(', ')}, system_filesystem_mountpoint) (${selector('system_filesystem_utilization', S, 'system_filesystem_state="used"')})`,
            `${AGENT_LEGEND} {{system_filesystem_mountpoint}}`,
            'A',
            { instant: true },
          ),
        )
        .min(0)
        .max(1)
        .span(8),
    )
    .withPanel(
      timeseries('Disk I/O', 'Bytes read and written per second, per block device.', UNIT.bytesPerSecond).withTarget(
        query(sumOf('rate', 'system_disk_io_total', S, R, [...PER_AGENT, 'system_device', 'disk_io_direction']), `${AGENT_LEGEND} {{system_device}} {{disk_io_direction}}`),
      ),
    )
    .withPanel(
      timeseries('Disk operations', 'Read and write operations completed per second, per block device.', UNIT.operationsPerSecond).withTarget(
        query(sumOf('rate', 'system_disk_operations_total', S, R, [...PER_AGENT, 'system_device', 'disk_io_direction']), `${AGENT_LEGEND} {{system_device}} {{disk_io_direction}}`),
      ),
    )
    .withPanel(
      timeseries('Network traffic', 'Bytes received and transmitted per second, per interface (loopback excluded).', UNIT.bytesPerSecond).withTarget(
        query(
          sumOf('rate', 'system_network_io_total', S, R, [...PER_AGENT, 'system_device', 'network_io_direction'], 'system_device!="lo"'),
          `${AGENT_LEGEND} {{system_device}} {{network_io_direction}}`,
        ),
      ),
    )
    .withPanel(
      timeseries('Network errors and drops', 'Packets in error and packets dropped per second, per interface.', UNIT.packetsPerSecond)
        .withTarget(query(sumOf('rate', 'system_network_errors_total', S, R, [...PER_AGENT, 'system_device']), `${AGENT_LEGEND} {{system_device}} errors`, 'A'))
        .withTarget(query(sumOf('rate', 'system_network_packet_dropped_total', S, R, [...PER_AGENT, 'system_device']), `${AGENT_LEGEND} {{system_device}} dropped`, 'B')),
    );
}

function apiRow(b: dashboard.DashboardBuilder): void {
  const requests = metric(CATALOGUE.apiRequests);
  b.withRow(new dashboard.RowBuilder('Platform activity and API'))
    .withPanel(
      timeseries('Active users', 'Users active in the agents\' active-user window.', UNIT.count, THRESHOLDS.zeroIsBad)
        .withTarget(query(activeUsers(S), 'Active users'))
        .min(0)
        .decimals(0),
    )
    .withPanel(
      timeseries('API requests by route', 'Requests per second served by the billing platform\'s API, per route template.', UNIT.requestsPerSecond).withTarget(
        query(sumOf('rate', requests, S, R, ['route']), '{{route}}'),
      ),
    )
    .withPanel(
      timeseries('API error rate (5xx share)', 'Share of API requests answered with a 5xx status. Over 10 % for 5 minutes raises QualityBillingHighErrorRate.', UNIT.percent01, THRESHOLDS.errorRatio)
        .withTarget(query(apiErrorRatio(S, R), 'All routes', 'A'))
        .withTarget(query(apiErrorRatio(S, R, ['route']), '{{route}}', 'B'))
        .min(0)
        .max(1)
        .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed)),
    )
    .withPanel(
      timeseries('API requests by status code', 'Requests per second by HTTP status code, all routes.', UNIT.requestsPerSecond).withTarget(
        query(sumOf('rate', requests, S, R, ['status_code']), '{{status_code}}'),
      ),
    )
    .withPanel(
      timeseries('API response time by route', 'p50, p95 and p99 response time per route template, from the histogram buckets. p95 over 2 s for 5 minutes raises QualityBillingHighResponseTime.', UNIT.seconds, THRESHOLDS.latency)
        .withTarget(query(apiLatencyQuantile(0.5, S, R, ['route']), 'p50 {{route}}', 'A'))
        .withTarget(query(apiLatencyQuantile(0.95, S, R, ['route']), 'p95 {{route}}', 'B'))
        .withTarget(query(apiLatencyQuantile(0.99, S, R, ['route']), 'p99 {{route}}', 'C'))
        .min(0)
        .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed))
        .span(24),
    );
}

function selfRow(b: dashboard.DashboardBuilder): void {
  b.withRow(new dashboard.RowBuilder('Agent self-metrics'))
    .withPanel(
      timeseries('Ingested events by outcome', 'Events per second received on POST /v1/events, by type and outcome (accepted, duplicate, rejected).', UNIT.eventsPerSecond).withTarget(
        query(sumOf('rate', 'qb_agent_events_total', S, R, ['type', 'outcome']), '{{type}} {{outcome}}'),
      ),
    )
    .withPanel(
      timeseries('Ingest requests by status', 'POST /v1/events requests per second by HTTP status: 202 accepted, 4xx client errors, 413 too large, 409 id conflicts.', UNIT.requestsPerSecond).withTarget(
        query(sumOf('rate', 'qb_agent_ingest_requests_total', S, R, ['status_code']), '{{status_code}}'),
      ),
    )
    .withPanel(
      stat('OTLP export failures in range', 'Pushes that failed after the exporter\'s retries, in the selected range. Their data is healed by the next successful push (cumulative temporality).', UNIT.count, THRESHOLDS.anyIsBad)
        .withTarget(query(sumOf('increase', 'qb_agent_otlp_exports_total', S, '$__range', [], 'outcome="failure"'), 'Failures', 'A', { instant: true }))
        .decimals(0),
    )
    .withPanel(
      stat('Time since last OTLP push', 'Seconds since the last successful OTLP push, per agent. No data: push is off.', UNIT.seconds, THRESHOLDS.pushAge)
        .withTarget(
          query(`time() - max by (${PER_AGENT.join(', ')}) (${selector('qb_agent_otlp_last_success_timestamp_seconds', S)} > 0)`, AGENT_LEGEND, 'A', { instant: true }),
        )
        .noValue('Push off'),
    )
    .withPanel(
      stat('Remembered event ids', 'Event ids held for deduplication (bounded by ingest.dedupeMaxIds).', UNIT.count)
        .withTarget(query(perAgent(selector('qb_agent_dedupe_ids', S)), AGENT_LEGEND, 'A', { instant: true }))
        .decimals(0),
    )
    .withPanel(
      stat('Measurements lost to cardinality overflow', 'Measurements folded into a metric\'s overflow series in the selected range because it reached business.cardinalityLimit. A client is sending unbounded label values.', UNIT.count, THRESHOLDS.anyIsBad)
        .withTarget(query(`sum(increase(${selector('qb_agent_cardinality_overflow_total', S)}[$__range]))`, 'Overflowed', 'A', { instant: true }))
        .decimals(0),
    )
    .withPanel(
      barGauge(
        'Series per business metric, share of the limit',
        'Label combinations in use per business metric divided by the business.cardinalityLimit of the agent (qb_agent_cardinality_limit), the fullest agent per metric. At 100 % further combinations are folded into the metric\'s overflow series and "Measurements lost to cardinality overflow" rises.',
        UNIT.percent01,
        THRESHOLDS.utilization,
      )
        .withTarget(query(CARDINALITY_USED, '{{metric}}', 'A', { instant: true }))
        .decimals(1)
        .min(0)
        .max(1),
    )
    .withPanel(
      timeseries('Agent process CPU', 'CPU time the agent process used per second (1 = one full core), user and system.', UNIT.percent01).withTarget(
        query(sumOf('rate', 'process_cpu_time_total', S, R, [...PER_AGENT, 'cpu_mode']), `${AGENT_LEGEND} {{cpu_mode}}`),
      ),
    )
    .withPanel(
      timeseries('Agent process memory', 'Resident memory of the agent process.', UNIT.bytes).withTarget(
        query(perAgent(selector('process_memory_usage', S)), AGENT_LEGEND),
      ),
    )
    .withPanel(
      timeseries('Host collector duration', 'Seconds each host collector took on its last run.', UNIT.seconds).withTarget(
        query(`max by (collector) (${selector('qb_agent_host_collector_duration_seconds', S)})`, '{{collector}}'),
      ),
    );
}

export function operations(): dashboard.Dashboard {
  const b = baseDashboard({
    uid: 'qb-operations',
    title: 'Quality Billing / Operations',
    description: 'Health of the qb-agent, the host it runs on and the billing platform\'s API.',
    from: 'now-1h',
    refresh: '30s',
  });
  agentRow(b);
  hostRow(b);
  apiRow(b);
  selfRow(b);
  return finish(b);
}
