import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../../support/tools.ts';

/** Readers of the committed, generated files: the tests look at what operators load, not at the code. */

export interface Target {
  readonly refId?: string;
  readonly expr?: string;
  readonly datasource?: { type?: string; uid?: string };
}
export interface Panel {
  readonly id?: number;
  readonly type: string;
  readonly title?: string;
  readonly description?: string;
  readonly datasource?: { type?: string; uid?: string };
  readonly targets?: readonly Target[];
  readonly fieldConfig?: { defaults?: { unit?: string; thresholds?: { steps?: ReadonlyArray<{ value: number | null; color: string }> } } };
  readonly panels?: readonly Panel[];
}
export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly time?: { from: string; to: string };
  readonly refresh?: string;
  readonly panels: readonly Panel[];
  readonly templating?: { list?: ReadonlyArray<{ name: string; type: string; query?: unknown; allValue?: string; includeAll?: boolean }> };
}

export const DASHBOARD_FILES = ['executive-summary', 'operations', 'quality-analytics', 'financial-analytics'].map((n) => `grafana/dashboards/${n}.json`);

export const readText = (path: string) => readFileSync(join(ROOT, path), 'utf8');
export const readYaml = <T>(path: string) => parse(readText(path)) as T;
export const readDashboard = (path: string) => JSON.parse(readText(path)) as Dashboard;

/** Every panel, including those nested in collapsed rows. */
export function panelsOf(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

export interface Expression {
  /** Where it comes from, for failure messages. */
  readonly source: string;
  readonly expr: string;
}

export function dashboardExpressions(): Expression[] {
  return DASHBOARD_FILES.flatMap((file) => {
    const d = readDashboard(file);
    return panelsOf(d).flatMap((p) =>
      (p.targets ?? []).filter((t) => t.expr !== undefined).map((t) => ({ source: `${d.title} / ${p.title} / ${t.refId}`, expr: t.expr! })),
    );
  });
}

/** The expression of one target of a panel, found by dashboard file name (e.g. "financial-analytics") and panel title. */
export function panelExpr(dashboard: string, title: string, refId = 'A'): string {
  const panel = panelsOf(readDashboard(`grafana/dashboards/${dashboard}.json`)).find((p) => p.title === title);
  const expr = panel?.targets?.find((t) => t.refId === refId)?.expr;
  if (expr === undefined) throw new Error(`no panel "${title}" with target ${refId} in ${dashboard}`);
  return expr;
}

interface RuleFile {
  groups: Array<{ name: string; rules: Array<{ record?: string; alert?: string; expr: string }> }>;
}
export const RULE_FILE = 'prometheus/rules/quality-billing.rules.yml';

export function recordingRules(): Array<Expression & { record: string }> {
  return readYaml<RuleFile>(RULE_FILE).groups.flatMap((g) =>
    g.rules.filter((r) => r.record).map((r) => ({ source: `recording rule ${r.record}`, record: r.record!, expr: r.expr })),
  );
}

export function alertExpressions(): Expression[] {
  const prom = readYaml<RuleFile>(RULE_FILE).groups.flatMap((g) => g.rules.filter((r) => r.alert).map((r) => ({ source: `Prometheus alert ${r.alert}`, expr: r.expr })));
  const grafana = readYaml<{ groups: Array<{ rules: Array<{ title: string; data: Array<{ datasourceUid: string; model: { expr?: string } }> }> }> }>(
    'grafana/provisioning/alerting/rules.yaml',
  ).groups.flatMap((g) =>
    g.rules.flatMap((r) => r.data.filter((d) => d.model.expr !== undefined).map((d) => ({ source: `Grafana alert ${r.title}`, expr: d.model.expr! }))),
  );
  return [...prom, ...grafana];
}

/** Grafana's variables as a test substitutes them; `job`/`instance`/`agent` default to "All" (`.*`). */
export function substitute(expr: string, vars: { range: string; rateInterval: string; interval: string; job?: string; instance?: string; agent?: string }): string {
  const out = expr
    .replaceAll('$__rate_interval', vars.rateInterval)
    .replaceAll('$__range', vars.range)
    .replaceAll('$__interval', vars.interval)
    .replaceAll('$job', vars.job ?? '.*')
    .replaceAll('$instance', vars.instance ?? '.*')
    .replaceAll('$agent', vars.agent ?? '.*');
  if (out.includes('$')) throw new Error(`unsubstituted variable in ${out}`);
  return out;
}
