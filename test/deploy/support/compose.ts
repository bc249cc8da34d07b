import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { ROOT, toolPath } from '../../support/tools.ts';

/**
 * The real Docker Compose (v2, Debian trixie's docker-compose package, fetched
 * into .cache/tools by scripts/provision-tools.sh). `config` validates the file
 * against the Compose schema, interpolates variables, merges env_files and
 * normalises the model, without a Docker engine.
 */
function runCompose(args: readonly string[], env: Readonly<Record<string, string>>) {
  const binary = toolPath('docker-compose');
  if (!binary) throw new Error('docker-compose missing');
  // Only the variables given: nothing from the caller's environment may leak into the interpolation.
  return spawnSync(binary, ['--project-directory', ROOT, '-f', 'docker-compose.yml', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

export interface ComposeResult {
  readonly code: number | null;
  readonly stderr: string;
}

const models = new Map<string, unknown>();

/** `docker-compose config --format json` for these variables: the model Compose would run. Throws when Compose refuses the file. */
export function composeModel(env: Readonly<Record<string, string>>): any {
  const key = JSON.stringify(Object.entries(env).sort());
  if (!models.has(key)) {
    const r = runCompose(['config', '--format', 'json'], env);
    if (r.status !== 0) throw new Error(`docker-compose config failed (${r.status}): ${r.stderr}`);
    models.set(key, JSON.parse(r.stdout));
  }
  return models.get(key);
}

/** `docker-compose config --quiet`: how Compose answers a set of variables (exit code and message). */
export function composeValidate(env: Readonly<Record<string, string>>): ComposeResult {
  const r = runCompose(['config', '--quiet'], env);
  return { code: r.status, stderr: r.stderr };
}

/** The variables the compose file reads, as `docker-compose config --variables` lists them. */
export function composeVariables(): string[] {
  const r = runCompose(['config', '--variables'], {});
  if (r.status !== 0) throw new Error(`docker-compose config --variables failed (${r.status}): ${r.stderr}`);
  const [header, ...rows] = r.stdout.trim().split('\n');
  if (!header?.startsWith('NAME')) throw new Error(`unexpected --variables output: ${r.stdout}`);
  return rows.map((row) => row.split(/\s+/)[0]!).sort();
}

/** The names of the variables a text refers to as `${NAME}` (Grafana's provisioning files). */
export function variablesIn(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!))];
}
