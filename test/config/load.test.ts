import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactConfig, type LoadOptions } from '../../src/config/load.ts';
import { ROOT } from '../support/tools.ts';

const fixture = (name: string) => join(ROOT, 'test', 'fixtures', 'config', name);

function problems(options: Partial<LoadOptions>): readonly string[] {
  try {
    loadConfig({ argv: [], env: {}, ...options });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration precedence', () => {
  it('uses the embedded defaults with nothing set', () => {
    const { values, sources } = loadConfig({ argv: [], env: {} });
    expect(values.http).toEqual({ host: '127.0.0.1', port: 9464, tls: { certFile: '', keyFile: '' }, headersTimeoutMs: 10000, requestTimeoutMs: 30000, keepAliveTimeoutMs: 5000 });
    expect(values.state).toEqual({ dir: './state', snapshotIntervalSec: 60 });
    expect(values.metrics).toEqual({ bearerTokens: [], basicAuthUsers: [], resourceConstantLabels: ['service.instance.id'] });
    expect(values.ingest.maxInFlight).toBe(64);
    expect(values.otlp).toMatchObject({ endpoint: '', protocol: 'http/protobuf', intervalMs: 15000, timeoutMs: 10000 });
    expect(values.host.enabled).toBe(true);
    expect(values.log.level).toBe('info');
    expect(sources['http.port']).toEqual({ kind: 'default' });
  });

  it('orders file < env < flag', () => {
    const file = fixture('valid.yaml');
    expect(loadConfig({ argv: ['--config', file], env: {} }).values.http.port).toBe(9500);
    const fromEnv = loadConfig({ argv: ['--config', file], env: { QB_AGENT_HTTP_PORT: '9501' } });
    expect(fromEnv.values.http.port).toBe(9501);
    expect(fromEnv.sources['http.port']).toEqual({ kind: 'env', name: 'QB_AGENT_HTTP_PORT' });
    const fromFlag = loadConfig({ argv: ['--config', file, '--http.port', '9502'], env: { QB_AGENT_HTTP_PORT: '9501' } });
    expect(fromFlag.values.http.port).toBe(9502);
    expect(fromFlag.sources['http.port']).toEqual({ kind: 'flag', name: 'http.port' });
    // Keys the file does not set keep their defaults; keys it sets come from it.
    expect(fromFlag.values.otlp.intervalMs).toBe(30000);
    expect(fromFlag.sources['otlp.intervalMs']).toEqual({ kind: 'file', path: file });
    expect(fromFlag.values.log.level).toBe('warn');
  });

  it('takes the config file from QB_AGENT_CONFIG, the --config flag winning', () => {
    expect(loadConfig({ argv: [], env: { QB_AGENT_CONFIG: fixture('valid.yaml') } }).values.http.port).toBe(9500);
    expect(loadConfig({ argv: ['--config', fixture('valid.json')], env: { QB_AGENT_CONFIG: fixture('valid.yaml') } }).values.http.port).toBe(9600);
  });

  it('reads nested keys from files, flags and env', () => {
    const fromFlag = loadConfig({ argv: ['--http.tls.certFile', '/c.pem', '--http.tls.keyFile', '/k.pem'], env: {} });
    expect(fromFlag.values.http.tls).toEqual({ certFile: '/c.pem', keyFile: '/k.pem' });
    expect(fromFlag.sources['http.tls.certFile']).toEqual({ kind: 'flag', name: 'http.tls.certFile' });
    const fromEnv = loadConfig({ argv: [], env: { QB_AGENT_HTTP_TLS_CERT_FILE: '/c.pem', QB_AGENT_HTTP_TLS_KEY_FILE: '/k.pem' } });
    expect(fromEnv.values.http.tls.keyFile).toBe('/k.pem');
    expect(problems({ argv: ['--http.tls.certFile', '/c.pem'] })).toEqual([
      'http.tls.keyFile: empty while http.tls.certFile (from flag --http.tls.certFile) is set; TLS needs both the certificate and the key',
    ]);
  });

  it('reads JSON files and lists', () => {
    const { values } = loadConfig({ argv: ['--config', fixture('valid.json')], env: {} });
    expect(values.ingest.tokens).toEqual(['t1', 't2']);
  });

  it('accepts --key=value flags and comma-separated lists from env', () => {
    const { values } = loadConfig({ argv: ['--http.host=0.0.0.0'], env: { QB_AGENT_INGEST_TOKENS: 'a, b' } });
    expect(values.http.host).toBe('0.0.0.0');
    expect(values.ingest.tokens).toEqual(['a', 'b']);
  });

  it('freezes the result', () => {
    const { values } = loadConfig({ argv: [], env: {} });
    expect(Object.isFrozen(values)).toBe(true);
    expect(Object.isFrozen(values.http)).toBe(true);
  });
});

describe('OpenTelemetry environment variables', () => {
  it('honours OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES and the metric export settings', () => {
    const { values } = loadConfig({
      argv: [],
      env: {
        OTEL_SERVICE_NAME: 'billing-agent',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod,team=billing%20ops',
        OTEL_METRIC_EXPORT_INTERVAL: '5000',
        OTEL_METRIC_EXPORT_TIMEOUT: '4000',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=secret',
        OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
      },
    });
    expect(values.service.name).toBe('billing-agent');
    // Parsed once, at load (percent-decoded); shown as configuration text again by check-config and the status page.
    expect(values.service.resourceAttributes).toEqual({ 'deployment.environment.name': 'prod', team: 'billing ops' });
    expect(redactConfig(values).service?.resourceAttributes).toBe('deployment.environment.name=prod,team=billing%20ops');
    expect(values.otlp).toMatchObject({ intervalMs: 5000, timeoutMs: 4000, headers: { 'x-api-key': 'secret' }, compression: 'gzip' });
  });

  it('parses grade thresholds once, at load, and shows them as configured', () => {
    const { values } = loadConfig({ argv: ['--business.gradeThresholds', 'S:95, A:80.5,F:0'], env: {} });
    expect(values.business.gradeThresholds).toEqual([{ grade: 'S', min: 95 }, { grade: 'A', min: 80.5 }, { grade: 'F', min: 0 }]);
    expect(redactConfig(values).business?.gradeThresholds).toBe('S:95,A:80.5,F:0');
    expect(loadConfig({ argv: [], env: {} }).values.business.gradeThresholds).toEqual([
      { grade: 'A', min: 90 },
      { grade: 'B', min: 80 },
      { grade: 'C', min: 70 },
      { grade: 'D', min: 0 },
    ]);
    expect(redactConfig(loadConfig({ argv: [], env: {} }).values).business?.gradeThresholds).toBe('A:90,B:80,C:70,D:0');
  });

  it('appends /v1/metrics to OTEL_EXPORTER_OTLP_ENDPOINT but not to the metrics-specific variable', () => {
    expect(loadConfig({ argv: [], env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' } }).values.otlp.endpoint).toBe(
      'http://collector:4318/v1/metrics',
    );
    expect(
      loadConfig({
        argv: [],
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://b:4318/custom' },
      }).values.otlp.endpoint,
    ).toBe('http://b:4318/custom');
  });

  it('prefers the metrics-specific protocol over the generic one', () => {
    expect(loadConfig({ argv: [], env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' } }).values.otlp.protocol).toBe('http/json');
    expect(
      loadConfig({ argv: [], env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/protobuf' } }).values
        .otlp.protocol,
    ).toBe('http/protobuf');
  });
});

describe('bad configuration', () => {
  it.each([
    ['typo in a file key', { argv: ['--config', fixture('typo-key.yaml')] }, [`http.prot: unknown key (from file ${fixture('typo-key.yaml')}); did you mean http.port?`]],
    ['typo in a nested key', { argv: ['--config', fixture('typo-nested.yaml')] }, [`http.tls.certfile: unknown key (from file ${fixture('typo-nested.yaml')}); did you mean http.tls.certFile?`]],
    ['port out of range in a file', { argv: ['--config', fixture('bad-port.yaml')] }, [`http.port: 70000 (from file ${fixture('bad-port.yaml')}) must be an integer port number from 0 to 65535`]],
    ['port out of range in env', { env: { QB_AGENT_HTTP_PORT: '70000' } }, ['http.port: "70000" (from env QB_AGENT_HTTP_PORT) must be an integer port number from 0 to 65535']],
    ['non-numeric port flag', { argv: ['--http.port', 'abc'] }, ['http.port: "abc" (from flag --http.port) must be an integer port number from 0 to 65535']],
    [
      'wrong types in a file',
      { argv: ['--config', fixture('wrong-type.yaml')] },
      [`service.name: 123 (from file ${fixture('wrong-type.yaml')}) must be a string`, `host.enabled: "yes" (from file ${fixture('wrong-type.yaml')}) must be true or false`],
    ],
    ['unknown enum value', { env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' } }, ['otlp.protocol: "grpc" (from env OTEL_EXPORTER_OTLP_PROTOCOL) must be one of "http/protobuf", "http/json"']],
    ['more dedupe ids than a snapshot is sized for', { argv: ['--ingest.dedupeMaxIds', '10000001'] }, ['ingest.dedupeMaxIds: "10000001" (from flag --ingest.dedupeMaxIds) must be an integer from 1 to 10000000']],
    ['unknown flag', { argv: ['--http.prot', '1'] }, ["Unknown option '--http.prot' (see qb-agent --help)"]],
    [
      'public address without tokens',
      { argv: ['--http.host', '0.0.0.0'] },
      ['ingest.tokens: empty while http.host "0.0.0.0" (from flag --http.host) is not a loopback address; set ingest.tokens, or ingest.allowAnonymous=true to accept unauthenticated events'],
    ],
    ['bad grade thresholds', { env: { QB_AGENT_GRADE_THRESHOLDS: 'A:90,B:95,C:0' } }, ['business.gradeThresholds: "A:90,B:95,C:0" (from env QB_AGENT_GRADE_THRESHOLDS) must list grades from the highest minimum score to the lowest']],
    ['missing file', { argv: ['--config', '/nonexistent/qb.yaml'] }, ['config file /nonexistent/qb.yaml: cannot read it (ENOENT)']],
  ])('%s', (_name, options, expected) => {
    expect(problems(options)).toEqual(expected);
  });

  it('names the line of an unparsable file', () => {
    expect(problems({ argv: ['--config', fixture('unparsable.yaml')] })).toEqual([
      `config file ${fixture('unparsable.yaml')}: cannot parse it: Flow sequence in block collection must be sufficiently indented and end with a ] at line 3, column 1`,
    ]);
  });

  it('never shows a sensitive value in an error', () => {
    const found = problems({ env: { OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=a,Authorization: Bearer sk-SECRET123' } });
    expect(found).toEqual([
      'otlp.headers: [REDACTED] (from env OTEL_EXPORTER_OTLP_HEADERS) must be key=value pairs separated by commas (pair 2 has no key before "=")',
    ]);
    expect(found.join('\n')).not.toContain('SECRET');
  });

  it('allows a public address with tokens or with allowAnonymous', () => {
    expect(loadConfig({ argv: ['--http.host', '0.0.0.0'], env: { QB_AGENT_INGEST_TOKENS: 't' } }).values.http.host).toBe('0.0.0.0');
    expect(loadConfig({ argv: ['--http.host', '0.0.0.0'], env: { QB_AGENT_INGEST_ALLOW_ANONYMOUS: 'true' } }).values.ingest.allowAnonymous).toBe(true);
  });
});

describe('redaction', () => {
  it('hides credentials and query values in URLs, keeping what locates the endpoint', async () => {
    const { redactUrl } = await import('../../src/config/load.ts');
    expect(redactUrl('https://user:pw@collector.example:4318/v1/metrics?api_key=abc&x=1')).toBe(
      'https://[REDACTED]:[REDACTED]@collector.example:4318/v1/metrics?api_key=[REDACTED]&x=[REDACTED]',
    );
    expect(redactUrl('http://collector:4318/v1/metrics')).toBe('http://collector:4318/v1/metrics');
    expect(redactUrl('')).toBe('');
    const { values } = loadConfig({ argv: ['--otlp.endpoint', 'https://u:secret-pw@c:4318/v1/metrics'], env: {} });
    expect(JSON.stringify(redactConfig(values))).not.toContain('secret-pw');
  });

  it('hides tokens and OTLP headers but shows empty ones as empty', () => {
    const { values } = loadConfig({ argv: [], env: { QB_AGENT_INGEST_TOKENS: 'secret-token', OTEL_EXPORTER_OTLP_HEADERS: 'x=1' } });
    const shown = redactConfig(values);
    expect(shown.ingest?.tokens).toBe('[REDACTED]');
    expect(shown.otlp?.headers).toBe('[REDACTED]');
    expect(JSON.stringify(shown)).not.toContain('secret-token');
    expect(redactConfig(loadConfig({ argv: [], env: {} }).values).otlp?.headers).toBe('');
  });
});
