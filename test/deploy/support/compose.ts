/**
 * Compose-style variable interpolation: `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
 * `$$` for a literal `$`. Enough to evaluate our docker-compose.yml the way
 * `docker compose` does for a given environment.
 */
export function interpolate(text: string, env: Readonly<Record<string, string | undefined>>): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g, (all, name: string | undefined, op: string | undefined, fallback: string | undefined) => {
    if (all === '$$') return '$';
    const value = env[name!];
    if (op === ':-') return value === undefined || value === '' ? (fallback ?? '') : value;
    if (op === '-') return value === undefined ? (fallback ?? '') : value;
    return value ?? '';
  });
}

/** Interpolates every string in a parsed YAML value. */
export function interpolateDeep<T>(value: T, env: Readonly<Record<string, string | undefined>>): T {
  if (typeof value === 'string') return interpolate(value, env) as T;
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, env)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, env)])) as T;
  }
  return value;
}

/** The names of the variables a text refers to. */
export function variablesIn(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!))];
}

export interface Mount {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

/** A short-syntax volume (`./src:/dst:ro` or `name:/dst`). */
export function parseMount(spec: string): Mount {
  const [source, target, mode] = spec.split(':');
  if (!source || !target) throw new Error(`unparsable volume: ${spec}`);
  return { source, target, readOnly: mode === 'ro' };
}

/** A short-syntax published port (`127.0.0.1:9464:9464`). */
export function parsePort(spec: string): { host: string; published: number; target: number } {
  const m = /^(?:([\d.]+):)?(\d+):(\d+)$/.exec(spec);
  if (!m) throw new Error(`unparsable port: ${spec}`);
  return { host: m[1] ?? '0.0.0.0', published: Number(m[2]), target: Number(m[3]) };
}

/** `KEY=value` lines of an env_file (comments and blank lines skipped). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const eq = t.indexOf('=');
    if (eq < 0) throw new Error(`not KEY=value: ${line}`);
    out[t.slice(0, eq)] = t.slice(eq + 1);
  }
  return out;
}
