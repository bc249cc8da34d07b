import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { buildConvict, checkValue } from './convict-schema.ts';
import { listSettings, type ConfigValues, type SettingEntry } from './schema.ts';

/** Where a setting's effective value came from, for error messages and check-config. */
export type ValueSource =
  | { readonly kind: 'default' }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'flag'; readonly name: string };

export interface LoadedConfig {
  readonly values: Readonly<ConfigValues>;
  readonly sources: Readonly<Record<string, ValueSource>>;
  readonly file: string | undefined;
}

export interface LoadOptions {
  /** Command-line flags (without the command name), e.g. ['--http.port', '9000']. */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readFile?: (path: string) => string;
}

/** Every problem found, one line each; main prints it and exits 2. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const REDACTED = '[REDACTED]';

export function describeSource(source: ValueSource): string {
  switch (source.kind) {
    case 'default':
      return 'default';
    case 'file':
      return `file ${source.path}`;
    case 'env':
      return `env ${source.name}`;
    case 'flag':
      return `flag --${source.name}`;
  }
}

export function loadConfig(options: LoadOptions): LoadedConfig {
  const settings = listSettings();
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const flags = parseFlags(options.argv, settings);
  const filePath = flags.config ?? nonEmpty(options.env.QB_AGENT_CONFIG);
  const fileValues = filePath === undefined ? {} : parseConfigFile(filePath, readFile);
  const { env, envSources } = resolveEnvironment(options.env, settings);

  const problems: string[] = [];
  if (filePath !== undefined) problems.push(...undeclaredKeys(fileValues, settings, filePath));

  const config = buildConvict(env);
  const sources: Record<string, ValueSource> = {};
  for (const s of settings) sources[s.key] = { kind: 'default' };
  if (filePath !== undefined && problems.length === 0) {
    try {
      config.load(fileValues);
    } catch (err) {
      problems.push(`${filePath}: ${(err as Error).message}`);
    }
    for (const s of settings) if (hasPath(fileValues, s.key)) sources[s.key] = { kind: 'file', path: filePath };
  }
  for (const [key, name] of Object.entries(envSources)) sources[key] = { kind: 'env', name };
  for (const [key, raw] of Object.entries(flags.values)) {
    sources[key] = { kind: 'flag', name: key };
    try {
      config.set(key, raw);
    } catch (err) {
      problems.push(`${key}: ${JSON.stringify(raw)} (from flag --${key}) ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  for (const s of settings) {
    const value = config.get(s.key as never) as unknown;
    try {
      checkValue(s, value);
    } catch (err) {
      const shown = s.sensitive ? REDACTED : JSON.stringify(rawValue(s, sources[s.key]!, options.env, flags.values, value));
      problems.push(`${s.key}: ${shown} (from ${describeSource(sources[s.key]!)}) ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const values = config.getProperties() as ConfigValues;
  problems.push(...crossFieldProblems(values, sources));
  if (problems.length > 0) throw new ConfigError(problems);
  return { values: deepFreeze(values), sources: Object.freeze(sources), file: filePath };
}

/** The effective configuration with every sensitive value replaced. */
export function redactConfig(values: Readonly<ConfigValues>): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const s of listSettings()) {
    const [section, name] = s.key.split('.') as [string, string];
    const value = (values as unknown as Record<string, Record<string, unknown>>)[section]?.[name];
    out[section] ??= {};
    out[section][name] = s.sensitive && !isEmpty(value) ? REDACTED : value;
  }
  return out;
}

function isEmpty(value: unknown): boolean {
  return value === '' || (Array.isArray(value) && value.length === 0);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function parseFlags(argv: readonly string[], settings: SettingEntry[]) {
  const optionSpec: Record<string, { type: 'string' }> = { config: { type: 'string' } };
  for (const s of settings) optionSpec[s.key] = { type: 'string' };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: optionSpec, strict: true, allowPositionals: false });
  } catch (err) {
    const message = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new ConfigError([`${message} (see qb-agent --help)`]);
  }
  const { config, ...rest } = parsed.values as Record<string, string | undefined>;
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) values[k] = v;
  return { config, values };
}

function parseConfigFile(path: string, readFile: (path: string) => string): Record<string, unknown> {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError([`config file ${path}: cannot read it (${code ?? (err as Error).message})`]);
  }
  let parsed: unknown;
  try {
    parsed = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    const firstLine = (err as Error).message.split('\n')[0]!.replace(/:$/, '');
    throw new ConfigError([`config file ${path}: cannot parse it: ${firstLine}`]);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError([`config file ${path}: must hold a mapping of sections (http:, otlp:, ...), not ${Array.isArray(parsed) ? 'a list' : typeof parsed}`]);
  }
  return parsed as Record<string, unknown>;
}

function undeclaredKeys(file: Record<string, unknown>, settings: SettingEntry[], path: string): string[] {
  const known = new Set(settings.map((s) => s.key));
  const sections = new Set(settings.map((s) => s.key.split('.')[0]));
  const problems: string[] = [];
  for (const [section, body] of Object.entries(file)) {
    if (!sections.has(section)) {
      problems.push(`${section}: unknown section (from file ${path})${suggest(section, [...sections] as string[])}`);
      continue;
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      problems.push(`${section}: ${JSON.stringify(body)} (from file ${path}) must be a mapping of settings`);
      continue;
    }
    for (const name of Object.keys(body)) {
      const key = `${section}.${name}`;
      if (!known.has(key)) problems.push(`${key}: unknown key (from file ${path})${suggest(key, [...known])}`);
    }
  }
  return problems;
}

function suggest(key: string, candidates: string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(key.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best ? `; did you mean ${best}?` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/**
 * The environment convict sees: each setting's own variable, else its fallbacks
 * (OTEL_EXPORTER_OTLP_PROTOCOL for the metrics-specific one, ...), else for the
 * endpoint the generic OTEL_EXPORTER_OTLP_ENDPOINT with /v1/metrics appended, as
 * the OTLP exporter specification says. Empty variables count as unset.
 */
function resolveEnvironment(source: Readonly<Record<string, string | undefined>>, settings: SettingEntry[]) {
  const env: Record<string, string> = {};
  const envSources: Record<string, string> = {};
  for (const s of settings) {
    if (!s.env) continue;
    for (const name of [s.env, ...(s.envFallbacks ?? [])]) {
      const value = nonEmpty(source[name]);
      if (value !== undefined) {
        env[s.env] = value;
        envSources[s.key] = name;
        break;
      }
    }
  }
  const generic = nonEmpty(source.OTEL_EXPORTER_OTLP_ENDPOINT);
  if (env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT === undefined && generic !== undefined) {
    env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT = `${generic.replace(/\/+$/, '')}/v1/metrics`;
    envSources['otlp.endpoint'] = 'OTEL_EXPORTER_OTLP_ENDPOINT';
  }
  return { env, envSources };
}

function rawValue(
  setting: SettingEntry,
  source: ValueSource,
  env: Readonly<Record<string, string | undefined>>,
  flags: Record<string, string>,
  effective: unknown,
): unknown {
  if (source.kind === 'env') return env[source.name];
  if (source.kind === 'flag') return flags[setting.key];
  return effective;
}

function crossFieldProblems(values: ConfigValues, sources: Record<string, ValueSource>): string[] {
  const problems: string[] = [];
  if (values.otlp.timeoutMs > values.otlp.intervalMs) {
    problems.push(
      `otlp.timeoutMs: ${values.otlp.timeoutMs} (from ${describeSource(sources['otlp.timeoutMs']!)}) must not exceed otlp.intervalMs (${values.otlp.intervalMs})`,
    );
  }
  if ((values.http.tlsCertFile === '') !== (values.http.tlsKeyFile === '')) {
    const [set, unset] = values.http.tlsCertFile === '' ? ['http.tlsKeyFile', 'http.tlsCertFile'] : ['http.tlsCertFile', 'http.tlsKeyFile'];
    problems.push(`${unset}: empty while ${set} (from ${describeSource(sources[set]!)}) is set; TLS needs both the certificate and the key`);
  }
  if (values.http.headersTimeoutMs > values.http.requestTimeoutMs) {
    problems.push(
      `http.headersTimeoutMs: ${values.http.headersTimeoutMs} (from ${describeSource(sources['http.headersTimeoutMs']!)}) must not exceed http.requestTimeoutMs (${values.http.requestTimeoutMs})`,
    );
  }
  if (values.ingest.tokens.length === 0 && !values.ingest.allowAnonymous && !isLoopback(values.http.host)) {
    problems.push(
      `ingest.tokens: empty while http.host ${JSON.stringify(values.http.host)} (from ${describeSource(sources['http.host']!)}) is not a loopback address; set ingest.tokens, or ingest.allowAnonymous=true to accept unauthenticated events`,
    );
  }
  return problems;
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

function hasPath(obj: Record<string, unknown>, key: string): boolean {
  const [section, name] = key.split('.') as [string, string];
  const body = obj[section];
  return typeof body === 'object' && body !== null && Object.hasOwn(body, name);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
