import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './errors.ts';
import type { SettingEntry } from './schema.ts';

/** The three places a setting can come from besides its default: flags, a file, the environment. */

export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** `--config PATH` and `--<key> VALUE` / `--<key>=VALUE` for every setting; anything else is an error. */
export function parseFlags(argv: readonly string[], settings: readonly SettingEntry[]) {
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

/** Reads a YAML or JSON (by extension) config file; errors name the file and, for YAML, the line. */
export function parseConfigFile(path: string, readFile: (path: string) => string): Record<string, unknown> {
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

/**
 * The environment convict sees: each setting's own variable, else its fallbacks
 * (OTEL_EXPORTER_OTLP_PROTOCOL for the metrics-specific one, ...), else for the
 * endpoint the generic OTEL_EXPORTER_OTLP_ENDPOINT with /v1/metrics appended, as
 * the OTLP exporter specification says. Empty variables count as unset.
 */
export function resolveEnvironment(source: Readonly<Record<string, string | undefined>>, settings: readonly SettingEntry[]) {
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
