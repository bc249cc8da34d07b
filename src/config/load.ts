import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { buildConvict, checkValue } from './convict-schema.ts';
import { ConfigError } from './errors.ts';
import { REDACTED } from './redact.ts';
import { hasPath, listSettings, type ConfigValues, type SettingEntry } from './schema.ts';
import { nonEmpty, parseConfigFile, parseFlags, resolveEnvironment } from './sources.ts';
import { suggest } from './suggest.ts';
import { reconcileOtlpTimings } from './otlp-timing.ts';
import { describeSource, type ValueSource } from './value-source.ts';

export { ConfigError } from './errors.ts';
export { redactConfig, redactUrl } from './redact.ts';
export { describeSource, type ValueSource } from './value-source.ts';

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

/**
 * Keys in the file that the schema does not know, at any depth (a typo such as
 * `http.prot` or `http.tls.certfile`), each with the nearest known key.
 */
function undeclaredKeys(file: Record<string, unknown>, settings: SettingEntry[], path: string): string[] {
  const known = settings.map((s) => s.key);
  const knownSet = new Set(known);
  const groups = new Set(known.flatMap((k) => k.split('.').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('.'))));
  const problems: string[] = [];
  const walk = (node: Record<string, unknown>, prefix: string) => {
    for (const [name, body] of Object.entries(node)) {
      const key = prefix === '' ? name : `${prefix}.${name}`;
      if (knownSet.has(key)) continue;
      if (!groups.has(key)) {
        const kind = prefix === '' ? 'section' : 'key';
        const candidates = prefix === '' ? [...groups].filter((g) => !g.includes('.')) : known;
        problems.push(`${key}: unknown ${kind} (from file ${path})${suggest(key, candidates)}`);
      } else if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        problems.push(`${key}: ${JSON.stringify(body)} (from file ${path}) must be a mapping of settings`);
      } else {
        walk(body as Record<string, unknown>, key);
      }
    }
  };
  walk(file, '');
  return problems;
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
  const timing = reconcileOtlpTimings(values.otlp, { interval: sources['otlp.intervalMs']!, timeout: sources['otlp.timeoutMs']! });
  if (timing) problems.push(timing);
  if ((values.http.tls.certFile === '') !== (values.http.tls.keyFile === '')) {
    const [set, unset] = values.http.tls.certFile === '' ? ['http.tls.keyFile', 'http.tls.certFile'] : ['http.tls.certFile', 'http.tls.keyFile'];
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

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
