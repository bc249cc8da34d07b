import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { SCHEMA } from '../../src/config/schema.ts';
import { parseDemoArgs } from '../../src/demo/args.ts';
import { runCli } from '../support/agent-process.ts';
import { shippedConfigWithDefaults } from '../support/collector.ts';
import { missingTool, ROOT } from '../support/tools.ts';
import { instructions, keyValues, parseDockerfile } from './support/dockerfile.ts';
import { composeModel, composeValidate, composeVariables, variablesIn } from './support/compose.ts';

/** Parsed YAML and Compose's JSON model: their shape is what the tests check. */
type Yaml = any;

const MODES = ['pull', 'push'] as const;
type Mode = (typeof MODES)[number];

const skip = missingTool('docker-compose');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
/** The model `docker compose` runs with QB_STACK_MODE=mode and nothing else set (docker-compose config). */
const composeFor = (mode: Mode, env: Record<string, string> = {}): Yaml => composeModel({ QB_STACK_MODE: mode, ...env });
const collector: Yaml = parseYaml(shippedConfigWithDefaults());
const promPull: Yaml = parseYaml(read('prometheus/prometheus.yml'));
const promPush: Yaml = parseYaml(read('deploy/compose/prometheus-push.yml'));
const AGENT_PORT = SCHEMA.http.port.default;

interface Mount {
  /** Repository path, `./…` (Compose resolves bind sources to absolute paths). */
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}
const bindMounts = (service: Yaml): Mount[] =>
  (service.volumes ?? [])
    .filter((v: Yaml) => v.type === 'bind')
    .map((v: Yaml) => ({ source: `./${relative(ROOT, v.source)}`, target: v.target, readOnly: v.read_only === true }));
const ports = (service: Yaml): Array<{ host: string; published: number; target: number }> =>
  (service.ports ?? []).map((p: Yaml) => ({ host: p.host_ip ?? '0.0.0.0', published: Number(p.published), target: p.target }));
/** host:port of an `endpoint: 0.0.0.0:4318` setting. */
const portOf = (endpoint: string) => Number(endpoint.split(':').at(-1));
/** The repo path a container path comes from, through the service's bind mounts. */
function hostPath(service: Yaml, containerPath: string): string | undefined {
  for (const m of bindMounts(service)) {
    if (containerPath === m.target) return m.source;
    if (containerPath.startsWith(`${m.target}/`)) return join(m.source, containerPath.slice(m.target.length + 1));
  }
  return undefined;
}
function flag(args: readonly string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  return args.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}
/** The agent's environment: Compose has merged its env_file into it. */
function agentEnv(mode: Mode, env: Record<string, string> = {}): Record<string, string> {
  return composeFor(mode, env).services['qb-agent'].environment;
}

describe.skipIf(skip)('docker-compose.yml, as the real Compose reads it', () => {
  it('runs the agent, the Collector, Prometheus, Grafana and the demo', () => {
    expect(Object.keys(composeFor('pull').services).sort()).toEqual(['demo', 'grafana', 'otel-collector', 'prometheus', 'qb-agent']);
  });

  it('pins every third-party image to an exact version and builds the agent from this Dockerfile', () => {
    const s = composeFor('pull').services;
    expect(s['otel-collector'].image).toMatch(/^otel\/opentelemetry-collector-contrib:\d+\.\d+\.\d+$/);
    expect(s.prometheus.image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/);
    expect(s.grafana.image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
    expect(s['qb-agent'].build).toEqual({ context: resolve(ROOT), dockerfile: 'Dockerfile' });
    expect(existsSync(join(ROOT, 'Dockerfile'))).toBe(true);
    // The demo runs the image the agent service builds, never a pulled one.
    expect(s.demo.image).toBe(s['qb-agent'].image);
    expect(s.demo.pull_policy).toBe('never');
  });

  for (const mode of MODES) {
    it(`mounts only paths that exist in the repository (${mode} mode)`, () => {
      const services = composeFor(mode).services;
      const sources = Object.values(services).flatMap((s: Yaml) => bindMounts(s).map((m) => m.source));
      expect(sources.length).toBe(6);
      // Compose creates a missing bind source as an empty directory rather than failing: check they exist.
      for (const source of sources) expect(existsSync(join(ROOT, source)), source).toBe(true);
      for (const m of Object.values(services).flatMap((s: Yaml) => bindMounts(s))) expect(m.readOnly, m.source).toBe(true);
    });
  }

  it('mounts the provisioning files the other configs expect', () => {
    const s = composeFor('pull').services;
    expect(hostPath(s['otel-collector'], s['otel-collector'].command[0].replace('--config=', ''))).toBe('./otel-collector/config.yaml');
    expect(hostPath(s.grafana, '/etc/grafana/provisioning')).toBe('./grafana/provisioning');
    const provider: Yaml = parseYaml(read('grafana/provisioning/dashboards/quality-billing.yaml'));
    for (const p of provider.providers) expect(hostPath(s.grafana, p.options.path), p.name).toBe('./grafana/dashboards');
  });

  it('gives Grafana every variable its provisioning files refer to, pointing the datasource at the Prometheus service', () => {
    const files = ['datasources/quality-billing.yaml', 'alerting/contact-points.yaml', 'alerting/rules.yaml', 'alerting/policies.yaml', 'dashboards/quality-billing.yaml'];
    const wanted = files.flatMap((f) => variablesIn(read(`grafana/provisioning/${f}`)));
    const env = composeFor('pull').services.grafana.environment;
    for (const name of wanted) expect(env[name], name).toMatch(/\S/);
    const webPort = 9090; // Prometheus' default --web.listen-address
    expect(env.QB_PROMETHEUS_URL).toBe(`http://prometheus:${webPort}`);
    expect(ports(composeFor('pull').services.prometheus)).toContainEqual({ host: '127.0.0.1', published: webPort, target: webPort });
  });

  it("publishes the agent on its default port, the one the image exposes and Prometheus scrapes", () => {
    const s = composeFor('pull').services;
    expect(ports(s['qb-agent'])).toEqual([{ host: '127.0.0.1', published: AGENT_PORT, target: AGENT_PORT }]);
    const runtime = parseDockerfile(read('Dockerfile')).at(-1)!;
    expect(instructions(runtime, 'EXPOSE').map((i) => i.args)).toEqual([String(AGENT_PORT)]);
    const pullJob = promPull.scrape_configs.find((j: Yaml) => j.job_name === 'qb-agent');
    expect(pullJob.static_configs.flatMap((c: Yaml) => c.targets)).toEqual([`qb-agent:${AGENT_PORT}`]);
    expect(s['qb-agent'].hostname).toBe('qb-agent');
  });

  it("publishes the Collector's receiver, exporter and health ports as its config declares them", () => {
    const declared = [
      portOf(collector.receivers.otlp.protocols.grpc.endpoint),
      portOf(collector.receivers.otlp.protocols.http.endpoint),
      portOf(collector.exporters.prometheus.endpoint),
      portOf(collector.extensions.health_check.endpoint),
    ];
    expect(declared).toEqual([4317, 4318, 8889, 13133]);
    const published = ports(composeFor('pull').services['otel-collector']);
    expect(published.map((p: { target: number }) => p.target).sort()).toEqual([...declared].sort());
    for (const p of published) expect(p.host).toBe('127.0.0.1');
    expect(collector.service.pipelines.metrics.receivers).toContain('otlp');
    expect(collector.service.pipelines.metrics.exporters).toContain('prometheus');
  });

  it('publishes every port on loopback only', () => {
    for (const [name, service] of Object.entries(composeFor('pull').services) as Array<[string, Yaml]>) {
      for (const p of ports(service)) expect(p.host, name).toBe('127.0.0.1');
    }
  });

  it('pull mode: the agent does not push, and Prometheus scrapes the agent and not the Collector', () => {
    expect(agentEnv('pull').OTEL_EXPORTER_OTLP_METRICS_ENDPOINT).toBe('');
    const prometheus = composeFor('pull').services.prometheus;
    const config = hostPath(prometheus, flag(prometheus.command, 'config.file')!);
    expect(config).toBe('./prometheus/prometheus.yml');
    const targets = promPull.scrape_configs.flatMap((j: Yaml) => j.static_configs.flatMap((c: Yaml) => c.targets));
    expect(targets).toContain(`qb-agent:${AGENT_PORT}`);
    expect(targets.filter((t: string) => t.startsWith('otel-collector:'))).toEqual([]);
  });

  it("push mode: the agent pushes to the Collector's OTLP/HTTP receiver, and Prometheus scrapes the Collector and not the agent", () => {
    const endpoint = new URL(agentEnv('push').OTEL_EXPORTER_OTLP_METRICS_ENDPOINT!);
    expect(endpoint.hostname).toBe('otel-collector');
    expect(Number(endpoint.port)).toBe(portOf(collector.receivers.otlp.protocols.http.endpoint));
    expect(endpoint.pathname).toBe('/v1/metrics');
    const prometheus = composeFor('push').services.prometheus;
    expect(hostPath(prometheus, flag(prometheus.command, 'config.file')!)).toBe('./deploy/compose/prometheus-push.yml');
    const targets = promPush.scrape_configs.flatMap((j: Yaml) => j.static_configs.flatMap((c: Yaml) => c.targets));
    expect(targets).toContain(`otel-collector:${portOf(collector.exporters.prometheus.endpoint)}`);
    expect(targets.filter((t: string) => t.startsWith('qb-agent:'))).toEqual([]);
    // The Collector derives job/instance from service.name/service.instance.id; honor_labels keeps them.
    expect(promPush.scrape_configs.find((j: Yaml) => j.job_name === 'otel-collector').honor_labels).toBe(true);
    expect(collector.exporters.prometheus.resource_to_telemetry_conversion.enabled).toBe(true);
  });

  it('push-mode Prometheus config is prometheus/prometheus.yml with its commented push job in place of the pull job', () => {
    // The "otel-collector" job as prometheus/prometheus.yml documents it, uncommented.
    const lines = read('prometheus/prometheus.yml').split('\n');
    const start = lines.findIndex((l) => /^\s*#\s*- job_name: otel-collector\s*$/.test(l));
    expect(start, 'prometheus/prometheus.yml documents the push job').toBeGreaterThan(0);
    const block: string[] = [];
    for (const line of lines.slice(start)) {
      const isComment = /^\s*#/.test(line);
      if (!isComment || /^\s*#\s*$/.test(line) || (block.length > 0 && /^\s*#\s*- job_name:/.test(line))) break;
      block.push(line.replace(/^(\s*)#\s?/, '$1'));
    }
    const documentedJob = (parseYaml(block.join('\n')) as Yaml[])[0];
    const expected = {
      ...promPull,
      scrape_configs: promPull.scrape_configs.map((j: Yaml) => (j.job_name === 'qb-agent' ? documentedJob : j)),
    };
    expect(promPush).toEqual(expected);
  });

  it('loads the alert and recording rules from the mounted rules directory in both modes', () => {
    for (const mode of MODES) {
      const prometheus = composeFor(mode).services.prometheus;
      const configDir = flag(prometheus.command, 'config.file')!.replace(/\/[^/]+$/, '');
      const config = mode === 'pull' ? promPull : promPush;
      for (const rule of config.rule_files) {
        const source = hostPath(prometheus, `${configDir}/${rule}`);
        expect(source, `${mode}: ${rule}`).toBeDefined();
        expect(existsSync(join(ROOT, source!)), `${mode}: ${source}`).toBe(true);
      }
    }
  });

  it('is valid Compose in both modes, and refuses any other QB_STACK_MODE at once, naming the missing env file', () => {
    for (const mode of MODES) expect(composeValidate({ QB_STACK_MODE: mode })).toEqual({ code: 0, stderr: '' });
    const bogus = composeValidate({ QB_STACK_MODE: 'both' });
    expect(bogus.code).not.toBe(0);
    expect(bogus.stderr).toContain(`env file ${join(resolve(ROOT), 'deploy/compose/both.env')} not found`);
  });

  it("reads each mode's env file into the agent's environment", () => {
    expect(agentEnv('push')).toMatchObject({
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://otel-collector:4318/v1/metrics',
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/protobuf',
      OTEL_METRIC_EXPORT_INTERVAL: '15000',
    });
    expect(agentEnv('pull')).toEqual({
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: '',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=demo',
      QB_AGENT_INGEST_TOKENS: 'demo-token',
      QB_AGENT_LOG_LEVEL: 'info',
    });
  });

  it('gives the agent and the demo the same token, overridable by one variable', () => {
    for (const env of [{}, { QB_INGEST_TOKEN: 'my-own' }] as Array<Record<string, string>>) {
      const s = composeFor('pull', env).services;
      expect(s.demo.environment.QB_DEMO_TOKEN).toBe(s['qb-agent'].environment.QB_AGENT_INGEST_TOKENS);
      expect(s.demo.environment.QB_DEMO_TOKEN).toBe('QB_INGEST_TOKEN' in env ? 'my-own' : 'demo-token');
    }
  });

  it('runs a demo command the demo accepts, against the agent service, until stopped', () => {
    for (const env of [{}, { QB_DEMO_SCENARIO: 'incident', QB_DEMO_RATE: '50', QB_DEMO_SEED: '7' }] as Array<Record<string, string>>) {
      const demo = composeFor('pull', env).services.demo;
      expect(demo.command[0]).toBe('demo');
      const options = parseDemoArgs(demo.command.slice(1), demo.environment);
      expect(options.target).toBe(`http://qb-agent:${AGENT_PORT}`);
      expect(options.durationSec).toBe(0);
      expect(options.token).toBe('demo-token');
      expect([options.scenario, options.rate, options.seed]).toEqual('QB_DEMO_SCENARIO' in env ? ['incident', 50, 7] : ['normal', 20, 1]);
    }
    expect(composeFor('pull').services.demo.depends_on['qb-agent'].condition).toBe('service_healthy');
  });

  for (const mode of MODES) {
    it(`gives the agent a configuration it accepts with the image's environment (${mode} mode)`, async () => {
      const runtime = parseDockerfile(read('Dockerfile')).at(-1)!;
      const imageEnv = Object.assign({}, ...instructions(runtime, 'ENV').map((i) => keyValues(i.args))) as Record<string, string>;
      const r = await runCli(['check-config'], { ...imageEnv, ...agentEnv(mode) });
      expect(r.stderr).toBe('qb-agent: configuration is valid\n');
      expect(r.code).toBe(0);
      const effective = JSON.parse(r.stdout) as { http: { host: string; port: number }; otlp: { endpoint: string } };
      expect(effective.http).toMatchObject({ host: '0.0.0.0', port: AGENT_PORT });
      expect(effective.otlp.endpoint).toBe(mode === 'push' ? 'http://otel-collector:4318/v1/metrics' : '');
    });
  }
});

describe.skipIf(skip)('docs/deployment.md', () => {
  const docs = read('docs/deployment.md');

  it('names the pinned images the compose file runs', () => {
    const s = composeFor('pull').services;
    for (const name of ['otel-collector', 'prometheus', 'grafana']) expect(docs, name).toContain(`\`${s[name].image}`);
  });

  it('documents every variable the compose file reads', () => {
    const documented = new Set([...docs.matchAll(/^\| `([A-Z_]+)`(?:, `([A-Z_]+)`)? \|/gm)].flatMap((m) => [m[1], m[2]].filter(Boolean)));
    const read = composeVariables();
    expect(read).toEqual(expect.arrayContaining(['QB_STACK_MODE', 'QB_INGEST_TOKEN']));
    expect(read.filter((v) => !documented.has(v))).toEqual([]);
  });
});
