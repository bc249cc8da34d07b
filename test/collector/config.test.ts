import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SHIPPED_CONFIG, shippedConfigWithDefaults } from '../support/collector.ts';
import { goToolPath, missingGoTool } from '../support/go-tools.ts';
import { ROOT } from '../support/tools.ts';

/**
 * The shipped otel-collector/config.yaml is what the Collector built from
 * test/tools/otelcol validates and runs, and that build is the release compose
 * pins and the docs name.
 */

const skip = missingGoTool('otelcol');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

function otelcol(args: readonly string[], env: Record<string, string> = {}) {
  const result = spawnSync(goToolPath('otelcol')!, args, { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Module → version of the requirements in test/tools/otelcol/go.mod. */
function pinned(): Map<string, string> {
  const mod = read('test/tools/otelcol/go.mod');
  return new Map([...mod.matchAll(/^\s+(\S+) (v\S+)(?: \/\/ indirect)?$/gm)].map((m) => [m[1]!, m[2]!]));
}

const CONTRIB = 'github.com/open-telemetry/opentelemetry-collector-contrib/';
const CORE = 'go.opentelemetry.io/collector';

describe.skipIf(skip)('otelcol validate on the shipped config', () => {
  it.for([
    ['the default (prometheus exporter, as compose runs it)', {}],
    ['remote write with its write-ahead log (the gateway tier)', { QB_OTELCOL_EXPORTERS: '[prometheus_remote_write]' }],
    ['both exporters', { QB_OTELCOL_EXPORTERS: '[prometheus, prometheus_remote_write]' }],
  ] as const)('accepts %s', ([, env]) => {
    expect(otelcol(['validate', `--config=${SHIPPED_CONFIG}`], env)).toEqual({ status: 0, output: '' });
  });

  it('refuses an exporter that is not configured, naming it', () => {
    const { status, output } = otelcol(['validate', `--config=${SHIPPED_CONFIG}`], { QB_OTELCOL_EXPORTERS: '[prometheusremotewrite_typo]' });
    expect(status).toBe(1);
    expect(output).toContain('service::pipelines::metrics: references exporter "prometheusremotewrite_typo" which is not configured');
  });
});

describe.skipIf(skip)('the Collector build', () => {
  it('has exactly the components the shipped config uses', () => {
    const config = parse(shippedConfigWithDefaults()) as Record<'extensions' | 'receivers' | 'processors' | 'exporters', Record<string, unknown>>;
    const built = parse(otelcol(['components']).output) as Record<string, Array<{ name: string }>>;
    for (const kind of ['extensions', 'receivers', 'processors', 'exporters'] as const) {
      expect(built[kind]!.map((c) => c.name).sort(), kind).toEqual(Object.keys(config[kind]).sort());
    }
    expect(built.connectors).toEqual([]);
  });

  it('keeps every collector module at one release: core v0.165.0 / v1.71.0, contrib v0.165.1', () => {
    const modules = [...pinned()];
    const core = modules.filter(([m]) => m.startsWith(CORE));
    const contrib = modules.filter(([m]) => m.startsWith(CONTRIB));
    expect(core.length).toBeGreaterThan(20);
    expect(contrib.length).toBeGreaterThan(5);
    expect(core.filter(([, v]) => v !== 'v0.165.0' && v !== 'v1.71.0')).toEqual([]);
    expect(contrib.filter(([, v]) => v !== 'v0.165.1')).toEqual([]);
  });

  it('is the release docker-compose.yml runs and docs/deployment.md names', () => {
    const contrib = pinned().get(`${CONTRIB}exporter/prometheusexporter`)!.slice(1);
    const image = (parse(read('docker-compose.yml')) as { services: Record<string, { image?: string }> }).services['otel-collector']!.image;
    expect(image).toBe(`otel/opentelemetry-collector-contrib:${contrib}`);
    expect(read('docs/deployment.md')).toContain(`otel/opentelemetry-collector-contrib:${contrib}`);
    expect(read('otel-collector/config.yaml')).toContain(`otelcol-contrib ${contrib}`);
  });
});

describe('the shipped config\'s environment variables', () => {
  it('are each documented in docs/deployment.md with their default', () => {
    const variables = [...read('otel-collector/config.yaml').matchAll(/\$\{env:([A-Z0-9_]+):-([^}]*)\}/g)].map((m) => [m[1]!, m[2]!] as const);
    expect(variables.length).toBeGreaterThanOrEqual(10);
    const section = read('docs/deployment.md').split('## The Collector')[1]!.split('\n## ')[0]!;
    for (const [name, fallback] of variables) {
      const row = section.split('\n').find((line) => line.startsWith('|') && line.includes(`\`${name}\``));
      expect(row, name).toBeDefined();
      expect(row, name).toContain(`\`${fallback}\``);
    }
  });
});
