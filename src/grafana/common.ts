import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as BarGaugeBuilder } from '@grafana/grafana-foundation-sdk/bargauge';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import * as units from '@grafana/grafana-foundation-sdk/units';
import { AGENT_ID } from './carried.ts';
import { AGENT_IDENTITY, type Scope } from './promql.ts';

/**
 * What the four dashboards share: the datasource and agent variables, panel
 * builders with our defaults, units and thresholds. Dashboards say what to show;
 * this file says how.
 */

/** uid of the provisioned Prometheus datasource (grafana/provisioning/datasources). */
export const DATASOURCE_UID = 'qb-prometheus';
/** Every panel and variable queries the datasource chosen in the $datasource variable. */
export const DATASOURCE: common.DataSourceRef = { type: 'prometheus', uid: '${datasource}' };
/** Prometheus scrape job of the agent (pull; prometheus/prometheus.yml). */
export const AGENT_JOB = 'qb-agent';
/**
 * The agent's service.name (its default): `job` when it pushes through the
 * Collector, `service_name` when it pushes straight into an OTLP backend.
 */
export const AGENT_SERVICE_NAME = 'qb-agent';
/** Tag shared by our dashboards, for the dashboard links. */
export const TAG = 'quality-billing';

/**
 * The agent filters every dashboard query on raw series carries. `job`/`instance`
 * exist on the pull path (and on the Collector path, from service.name/service.instance.id)
 * but not when the agent pushes straight into VictoriaMetrics; "All" is `.*`,
 * which also matches a missing label, so panels keep data on every path.
 */
export const AGENT_SCOPE: Scope = ['job=~"$job"', 'instance=~"$instance"', `${AGENT_ID}=~"$agent"`];
/**
 * The filter of the exact figures: the carried series keep only the agent's
 * service_instance_id (an agent keeps its figures when it moves to a new
 * address, so job and instance cannot select them).
 */
export const FIGURE_SCOPE: Scope = [`${AGENT_ID}=~"$agent"`];
/** How long an agent may send nothing before it counts as down: the "Agent up" panel and QualityBillingSystemDown. */
export const SILENCE_WINDOW = '2m';
/** Labels that identify one agent on any path (missing ones are simply empty). */
export const PER_AGENT = AGENT_IDENTITY;

/**
 * Said on every panel whose money or invoice figure is exact (exactIncrease in
 * promql.ts), so that a reader knows when to trust it to the cent.
 */
export const EXACT_NOTE =
  'Exact: every agent\'s counters at the end of the range minus those at its start, nothing extrapolated, read from the carried series the Prometheus rules keep per agent (service.instance.id), so an agent that restarts, moves, is down or is gone for good still counts exactly what it sent in the range. Needs the quality-billing recording rules (Prometheus, or vmalert in front of VictoriaMetrics). Not exact only when an agent with an explicitly configured service.instance.id loses its durable state: its counters restart from zero, and a range spanning that drops by what it had counted before; "Counter resets in range" on Financial Analytics shows it.';

/** Said on the figures drawn over months, which read fleet-wide sums (FLEET_SUMS in carried.ts) to stay fast. */
export const FLEET_NOTE = 'Whole fleet: not filtered by Agent, Job or Instance, so that months of it are drawn in well under a second.';

/** Units (Grafana unit ids) used by the dashboards. */
export const UNIT = {
  percent01: units.PercentUnit,
  seconds: units.Seconds,
  /** A duration shown as "3 days, 4 hours". */
  duration: units.DurationSeconds,
  bytes: units.BytesIEC,
  bytesPerSecond: units.BytesPerSecondIEC,
  requestsPerSecond: units.RequestsPerSecond,
  eventsPerSecond: 'suffix: events/s',
  count: units.Short,
  score: 'suffix: pts',
  points: 'suffix: pts',
  /** Neutral money unit; per-currency overrides (CURRENCY_UNITS) add the symbol. */
  money: units.Short,
  packetsPerSecond: units.PacketsPerSecond,
  operationsPerSecond: units.OpsPerSecond,
  perHour: 'suffix: /h',
  none: units.NoUnit,
} as const;

/** Currencies Grafana has a unit for; others are shown as plain numbers next to their ISO code. */
export const CURRENCY_UNITS: Readonly<Record<string, string>> = {
  USD: units.Dollars,
  EUR: units.Euro,
  GBP: units.Pounds,
  JPY: units.Yen,
  CHF: units.SwissFranc,
  SEK: units.SwedishKrona,
  NOK: units.NorwegianKrone,
  DKK: units.DanishKrone,
  PLN: units.PolishZloty,
  CZK: units.CzechKoruna,
  INR: units.IndianRupee,
  BRL: units.Real,
  KRW: units.SouthKoreanWon,
  ZAR: units.SouthAfricanRand,
};

type Step = { value: number | null; color: string };

/** Threshold steps, named so dashboards and alerts agree on what "bad" means. */
export const THRESHOLDS = {
  /** Quality score: below 70 is what QualityBillingLowQualityScore alerts on. */
  qualityScore: [
    { value: null, color: 'red' },
    { value: 70, color: 'orange' },
    { value: 80, color: 'green' },
  ],
  productivity: [
    { value: null, color: 'red' },
    { value: 0.6, color: 'orange' },
    { value: 0.75, color: 'green' },
  ],
  /** 5xx share: 10 % is the QualityBillingHighErrorRate threshold. */
  errorRatio: [
    { value: null, color: 'green' },
    { value: 0.05, color: 'orange' },
    { value: 0.1, color: 'red' },
  ],
  /** Response time in seconds: p95 over 2 s is QualityBillingHighResponseTime. */
  latency: [
    { value: null, color: 'green' },
    { value: 1, color: 'orange' },
    { value: 2, color: 'red' },
  ],
  utilization: [
    { value: null, color: 'green' },
    { value: 0.8, color: 'orange' },
    { value: 0.9, color: 'red' },
  ],
  /** Zero is bad (no active users, no agents); anything else is fine. */
  zeroIsBad: [
    { value: null, color: 'red' },
    { value: 1, color: 'green' },
  ],
  /** Any occurrence is worth a look (export failures, overflowed measurements). */
  anyIsBad: [
    { value: null, color: 'green' },
    { value: 1, color: 'red' },
  ],
  /** Seconds since the last successful push: a few missed intervals is orange, minutes is red. */
  pushAge: [
    { value: null, color: 'green' },
    { value: 60, color: 'orange' },
    { value: 300, color: 'red' },
  ],
  /** Seconds since the agent started: a restart in the last 10 minutes is orange. */
  uptime: [
    { value: null, color: 'orange' },
    { value: 600, color: 'green' },
  ],
  neutral: [{ value: null, color: 'blue' }],
} as const satisfies Record<string, readonly Step[]>;

export const thresholds = (steps: readonly Step[]): dashboard.ThresholdsConfigBuilder =>
  new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps.map((s) => ({ ...s })));

/** One PromQL target. Pass `instant` for stats and bar gauges that show one value per series. */
export function query(expr: string, legend: string, refId = 'A', options: { instant?: boolean; heatmap?: boolean; minInterval?: string } = {}) {
  const q = new prometheus.DataqueryBuilder().datasource(DATASOURCE).expr(expr).legendFormat(legend).refId(refId);
  if (options.instant) q.instant();
  else q.range();
  if (options.heatmap) q.format(prometheus.PromQueryFormat.Heatmap);
  if (options.minInterval) q.interval(options.minInterval);
  return q;
}

/** Adds per-currency unit overrides to a money panel whose series names start with the ISO code. */
export function withCurrencyUnits<T extends StatBuilder | TimeseriesBuilder | BarGaugeBuilder>(panel: T): T {
  panel.unit(UNIT.money).decimals(2);
  for (const [code, unit] of Object.entries(CURRENCY_UNITS)) {
    panel.overrideByRegexp(`^${code}\\b.*`, [{ id: 'unit', value: unit }]);
  }
  return panel;
}

export function stat(title: string, description: string, unit: string, steps: readonly Step[] = THRESHOLDS.neutral): StatBuilder {
  return new StatBuilder()
    .title(title)
    .description(description)
    .datasource(DATASOURCE)
    .unit(unit)
    .height(5)
    .span(6)
    .thresholds(thresholds(steps))
    .colorMode(common.BigValueColorMode.Value)
    .graphMode(common.BigValueGraphMode.None)
    .textMode(common.BigValueTextMode.Auto)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .noValue('No data');
}

export function timeseries(title: string, description: string, unit: string, steps: readonly Step[] = THRESHOLDS.neutral): TimeseriesBuilder {
  return new TimeseriesBuilder()
    .title(title)
    .description(description)
    .datasource(DATASOURCE)
    .unit(unit)
    .height(8)
    .span(12)
    .thresholds(thresholds(steps))
    .lineWidth(2)
    .fillOpacity(10)
    .showPoints(common.VisibilityMode.Never)
    .spanNulls(false)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .placement(common.LegendPlacement.Bottom)
        .displayMode(common.LegendDisplayMode.Table)
        .calcs(['mean', 'max', 'lastNotNull']),
    )
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending));
}

export function barGauge(title: string, description: string, unit: string, steps: readonly Step[] = THRESHOLDS.neutral): BarGaugeBuilder {
  return new BarGaugeBuilder()
    .title(title)
    .description(description)
    .datasource(DATASOURCE)
    .unit(unit)
    .height(8)
    .span(12)
    .thresholds(thresholds(steps))
    .orientation(common.VizOrientation.Horizontal)
    .displayMode(common.BarGaugeDisplayMode.Gradient)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
}

/** Template variables every dashboard starts with: datasource, then job, instance and agent. */
export function agentVariables(): cog.Builder<dashboard.VariableModel>[] {
  const agentVar = (name: string, label: string, q: string) =>
    new dashboard.QueryVariableBuilder(name)
      .label(label)
      .description(`${label} of the agents to show. "All" also matches agents that push without a ${name} label.`)
      .datasource(DATASOURCE)
      .query(q)
      .definition(q)
      .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
      .sort(dashboard.VariableSort.AlphabeticalAsc)
      .multi(true)
      .includeAll(true)
      .allValue('.*')
      .current({ selected: true, text: ['All'], value: ['$__all'] });
  return [
    new dashboard.DatasourceVariableBuilder('datasource')
      .label('Data source')
      .type('prometheus')
      .current({ selected: true, text: 'Quality Billing Prometheus', value: DATASOURCE_UID }),
    agentVar('job', 'Job', 'label_values(qb_agent_build_info, job)'),
    agentVar('instance', 'Instance', 'label_values(qb_agent_build_info{job=~"$job"}, instance)'),
    agentVar('agent', 'Agent', `label_values(qb_agent_build_info{job=~"$job", instance=~"$instance"}, ${AGENT_ID})`).description(
      `service.instance.id of the agents to show: it stays the same when an agent moves to a new address. The exact figures over the selected range are filtered by this variable only (Job and Instance change when an agent moves); the daily and 30-day figures show the whole fleet. "All" also matches agents without a ${AGENT_ID} label.`,
    ),
  ];
}

/** A dashboard with our defaults: uid, tags, variables, links to the other dashboards, time range and refresh. */
export function baseDashboard(options: { uid: string; title: string; description: string; from: string; refresh: string }): dashboard.DashboardBuilder {
  const builder = new dashboard.DashboardBuilder(options.title)
    .uid(options.uid)
    .description(options.description)
    .tags([TAG, 'generated'])
    .editable()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .time({ from: options.from, to: 'now' })
    .timezone('browser')
    .refresh(options.refresh)
    .timepicker(new dashboard.TimePickerBuilder().refreshIntervals(['30s', '1m', '5m', '15m', '30m', '1h']))
    .link(
      new dashboard.DashboardLinkBuilder('Quality Billing')
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags([TAG])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true),
    );
  for (const v of agentVariables()) builder.withVariable(v);
  return builder;
}

/** Builds the dashboard and numbers its panels (rows included) 1, 2, 3... in layout order: stable ids for links. */
export function finish(builder: dashboard.DashboardBuilder): dashboard.Dashboard {
  const built = builder.build();
  let id = 0;
  for (const panel of built.panels ?? []) {
    panel.id = ++id;
    if ('panels' in panel) for (const nested of panel.panels ?? []) nested.id = ++id;
  }
  return built;
}
