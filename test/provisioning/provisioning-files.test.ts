import { describe, expect, it } from 'vitest';
import { FORGET_AGENT_AFTER } from '../../src/grafana/alerts.ts';
import { AGENT_JOB, AGENT_SERVICE_NAME } from '../../src/grafana/common.ts';
import { DASHBOARDS_MOUNT, GRAFANA_FOLDER } from '../../src/grafana/outputs.ts';
import { parse } from 'yaml';
import { shippedConfigWithDefaults } from '../support/collector.ts';
import { RULE_FILE, readYaml } from './support/generated.ts';

/** Structure of what Grafana, Prometheus and the Collector load (no Grafana or Collector binary runs here). */

const ALERT_NAMES = ['QualityBillingHighErrorRate', 'QualityBillingLowQualityScore', 'QualityBillingHighResponseTime', 'QualityBillingNoActiveUsers', 'QualityBillingSystemDown'];

interface GrafanaRule {
  uid: string;
  title: string;
  condition: string;
  for: string;
  noDataState: string;
  execErrState: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  data: Array<{ refId: string; datasourceUid: string; model: { refId: string; expr?: string; instant?: boolean; type?: string; expression?: string } }>;
}
interface PromRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

describe('Grafana provisioning', () => {
  it('provisions the Prometheus datasource with uid qb-prometheus and its URL from QB_PROMETHEUS_URL', () => {
    const file = readYaml<{ apiVersion: number; datasources: Array<Record<string, unknown>> }>('grafana/provisioning/datasources/quality-billing.yaml');
    expect(file.apiVersion).toBe(1);
    expect(file.datasources).toHaveLength(1);
    expect(file.datasources[0]).toMatchObject({ uid: 'qb-prometheus', type: 'prometheus', access: 'proxy', url: '${QB_PROMETHEUS_URL}', isDefault: true });
  });

  it('provisions the dashboards from one folder', () => {
    const file = readYaml<{ providers: Array<Record<string, unknown>> }>('grafana/provisioning/dashboards/quality-billing.yaml');
    expect(file.providers).toEqual([expect.objectContaining({ type: 'file', folder: GRAFANA_FOLDER, options: { path: DASHBOARDS_MOUNT, foldersFromFilesStructure: false } })]);
  });

  it('provisions a webhook contact point from QB_ALERT_WEBHOOK_URL and routes every alert to it', () => {
    const cps = readYaml<{ contactPoints: Array<{ name: string; receivers: Array<{ type: string; settings: { url: string } }> }> }>('grafana/provisioning/alerting/contact-points.yaml');
    expect(cps.contactPoints).toHaveLength(1);
    const cp = cps.contactPoints[0]!;
    expect(cp.receivers).toEqual([expect.objectContaining({ type: 'webhook', settings: expect.objectContaining({ url: '${QB_ALERT_WEBHOOK_URL}' }) })]);
    const policies = readYaml<{ policies: Array<{ receiver: string; routes: Array<{ receiver: string }> }> }>('grafana/provisioning/alerting/policies.yaml');
    expect(policies.policies).toHaveLength(1);
    expect(policies.policies[0]!.receiver).toBe(cp.name);
    for (const r of policies.policies[0]!.routes) expect(r.receiver).toBe(cp.name);
  });

  it('provisions the five alerts, each querying qb-prometheus and firing on any returned series', () => {
    const file = readYaml<{ groups: Array<{ folder: string; interval: string; rules: GrafanaRule[] }> }>('grafana/provisioning/alerting/rules.yaml');
    expect(file.groups).toHaveLength(1);
    expect(file.groups[0]!.folder).toBe(GRAFANA_FOLDER);
    const rules = file.groups[0]!.rules;
    expect(rules.map((r) => r.title)).toEqual(ALERT_NAMES);
    expect(new Set(rules.map((r) => r.uid)).size).toBe(5);
    for (const r of rules) {
      expect(r.uid.length).toBeLessThanOrEqual(40);
      expect(r.data.map((d) => d.refId)).toEqual(['A', 'B']);
      expect(r.condition).toBe('B');
      expect(r.data[0]).toMatchObject({ datasourceUid: 'qb-prometheus', model: { refId: 'A', instant: true } });
      expect(r.data[1]).toMatchObject({ datasourceUid: '__expr__', model: { refId: 'B', type: 'math', expression: 'is_number($A) || is_nan($A) || is_inf($A)' } });
      expect(r.noDataState).toBe('OK');
      expect(['critical', 'warning']).toContain(r.labels.severity);
      expect(Object.keys(r.annotations).sort()).toEqual(['description', 'runbook', 'summary']);
    }
  });
});

describe('Prometheus rule file', () => {
  const groups = readYaml<{ groups: Array<{ name: string; rules: PromRule[] }> }>(RULE_FILE).groups;
  const alerts = groups.flatMap((g) => g.rules).filter((r) => r.alert);

  it('has the same five alerts as Grafana, with the same PromQL, duration, severity and summary', () => {
    const grafana = readYaml<{ groups: Array<{ rules: GrafanaRule[] }> }>('grafana/provisioning/alerting/rules.yaml').groups[0]!.rules;
    expect(alerts.map((a) => a.alert)).toEqual(ALERT_NAMES);
    expect(alerts.map((a) => [a.alert, a.expr, a.for, a.labels?.severity, a.annotations?.summary, a.annotations?.runbook])).toEqual(
      grafana.map((g) => [g.title, g.data[0]!.model.expr, g.for, g.labels.severity, g.annotations.summary, g.annotations.runbook]),
    );
    expect(alerts.map((a) => a.for)).toEqual(['5m', '15m', '5m', '30m', '2m']);
  });

  it('QualityBillingSystemDown looks for each agent by job/instance (pull, Collector) and service_instance_id (direct push), in both outputs', () => {
    const grafana = readYaml<{ groups: Array<{ rules: GrafanaRule[] }> }>('grafana/provisioning/alerting/rules.yaml').groups[0]!.rules.find((r) => r.title === 'QualityBillingSystemDown')!;
    const prom = alerts.find((a) => a.alert === 'QualityBillingSystemDown')!;
    for (const [expr, description] of [
      [prom.expr, prom.annotations!.description!],
      [grafana.data[0]!.model.expr!, grafana.annotations.description!],
    ]) {
      expect(expr).toContain(`up{job="${AGENT_JOB}"} == 0`);
      expect(expr).toContain(`max by (job, instance, service_instance_id) (max_over_time(qb_agent_build_info{job="${AGENT_SERVICE_NAME}"}[${FORGET_AGENT_AFTER}]) or max_over_time(qb_agent_build_info{service_name="${AGENT_SERVICE_NAME}"}[${FORGET_AGENT_AFTER}]))`);
      expect(expr).toContain(`absent_over_time(qb_agent_build_info{job="${AGENT_JOB}"}[2m]) and on () absent_over_time(qb_agent_build_info{service_name="${AGENT_SERVICE_NAME}"}[2m])`);
      expect(expr).not.toMatch(/absent\(/);
      expect(description).toContain('service_instance_id');
    }
    for (const runbook of [prom.annotations!.runbook!, grafana.annotations.runbook!]) {
      expect(runbook).toContain(`at most ${FORGET_AGENT_AFTER} after its last report`);
    }
  });

  it('has recording rules named level:metric:operation', () => {
    const records = groups.flatMap((g) => g.rules).filter((r) => r.record);
    expect(records.length).toBeGreaterThanOrEqual(5);
    for (const r of records) expect(r.record).toMatch(/^[a-z_]+:[a-z_]+:[a-z0-9_]+$/);
  });
});

describe('prometheus/prometheus.yml', () => {
  const config = readYaml<{ rule_files: string[]; scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }> }>('prometheus/prometheus.yml');

  it('loads the rule file by a path relative to itself', () => {
    expect(config.rule_files).toEqual(['rules/quality-billing.rules.yml']);
  });

  it(`scrapes the agent as job "${AGENT_JOB}" (the job the alerts and the Collector path use) on qb-agent:9464`, () => {
    expect(config.scrape_configs.find((s) => s.job_name === AGENT_JOB)?.static_configs).toEqual([{ targets: ['qb-agent:9464'] }]);
  });
});

describe('otel-collector/config.yaml', () => {
  // As compose runs it: each ${env:VAR:-default} at its default.
  const c = parse(shippedConfigWithDefaults()) as {
    extensions: { health_check: { endpoint: string } };
    receivers: { otlp: { protocols: { grpc: { endpoint: string }; http: { endpoint: string } } } };
    processors: Record<string, unknown>;
    exporters: { prometheus: { endpoint: string; resource_to_telemetry_conversion: { enabled: boolean } } };
    service: { extensions: string[]; pipelines: { metrics: { receivers: string[]; processors: string[]; exporters: string[] } } };
  };

  it('receives OTLP on 4317 (gRPC) and 4318 (HTTP) and exposes Prometheus on 8889 with resource attributes as labels', () => {
    expect(c.receivers.otlp.protocols.grpc.endpoint).toBe('0.0.0.0:4317');
    expect(c.receivers.otlp.protocols.http.endpoint).toBe('0.0.0.0:4318');
    expect(c.exporters.prometheus.endpoint).toBe('0.0.0.0:8889');
    expect(c.exporters.prometheus.resource_to_telemetry_conversion.enabled).toBe(true);
    expect(c.extensions.health_check.endpoint).toBe('0.0.0.0:13133');
  });

  it('runs memory_limiter first, then batch, in the metrics pipeline', () => {
    expect(c.service.extensions).toEqual(['health_check']);
    expect(c.service.pipelines.metrics).toEqual({ receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['prometheus'] });
    expect(Object.keys(c.processors).sort()).toEqual(['batch', 'memory_limiter']);
  });
});
