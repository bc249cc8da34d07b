import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { isIgnored, keyValues, type Instruction, type Stage } from './dockerfile.ts';

/**
 * A Docker build stage walked without an engine: what its COPY instructions
 * put where, and which files its RUN commands need. Paths are the stage's
 * absolute container paths (`/src/package.json`).
 */

/** The files of the build context under `source` that .dockerignore lets in; [] when none. */
export function contextFiles(root: string, source: string, ignore: readonly string[]): string[] {
  if (/[*?[]/.test(source)) throw new Error(`COPY source ${source}: wildcards are not supported by this check; name the paths`);
  const clean = posix.normalize(source).replace(/^\.\/?|\/$/g, '');
  const path = join(root, clean);
  if (!existsSync(path) || isIgnored(clean, ignore)) return [];
  if (!statSync(path).isDirectory()) return [clean];
  const out: string[] = [];
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = `${clean}/${entry.name}`;
    if (isIgnored(child, ignore)) continue;
    out.push(...(entry.isDirectory() ? contextFiles(root, child, ignore) : [child]));
  }
  return out;
}

export interface CopyPlan {
  /** Context path (relative to the repo root) → container path. */
  readonly files: ReadonlyArray<readonly [string, string]>;
  /** Sources that are missing from the build context (absent, or excluded by .dockerignore). */
  readonly missing: readonly string[];
}

/**
 * Where a `COPY src... dest` (not `--from`) puts each file, Docker's way: a
 * directory source copies its contents; several sources, or a dest ending in
 * `/`, make dest a directory.
 */
export function planCopy(copy: Instruction, workdir: string, root: string, ignore: readonly string[]): CopyPlan {
  const parts = copy.args.split(' ').filter((p) => !p.startsWith('--chown=') && !p.startsWith('--chmod=') && !p.startsWith('--link'));
  if (parts.some((p) => p.startsWith('--'))) throw new Error(`COPY ${copy.args}: flags other than --chown/--chmod/--link are not supported by this check`);
  const dest = posix.resolve(workdir, parts.pop()!);
  const intoDir = parts.length > 1 || copy.args.endsWith('/');
  const files: Array<[string, string]> = [];
  const missing: string[] = [];
  for (const source of parts) {
    const found = contextFiles(root, source, ignore);
    if (found.length === 0) missing.push(source);
    const base = posix.normalize(source).replace(/^\.\/?|\/$/g, '');
    const isDir = existsSync(join(root, base)) && statSync(join(root, base)).isDirectory();
    for (const file of found) {
      const target = isDir ? posix.join(dest, file.slice(base.length + 1)) : intoDir ? posix.join(dest, posix.basename(file)) : dest;
      files.push([file, target]);
    }
  }
  return { files, missing };
}

/** npm lifecycle scripts `npm ci` / `npm install` run for the package itself, unless --ignore-scripts. */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepublish', 'preprepare', 'prepare', 'postprepare'];

/** The package.json scripts one shell command runs through npm (`npm run build` → prebuild, build, postbuild). */
export function npmScriptsRun(command: string, scripts: Readonly<Record<string, string>>): string[] {
  const names: string[] = [];
  for (const step of command.split(/&&|\|\||;/).map((s) => s.trim().split(/\s+/))) {
    if (step[0] !== 'npm') continue;
    const [verb, ...rest] = step.slice(1);
    if (verb === 'run' || verb === 'run-script') {
      const name = rest.find((r) => !r.startsWith('-'));
      if (name) names.push(`pre${name}`, name, `post${name}`);
    } else if ((verb === 'ci' || verb === 'install' || verb === 'i') && !rest.includes('--ignore-scripts')) names.push(...INSTALL_SCRIPTS);
    else if (verb === 'test' || verb === 'start') names.push(`pre${verb}`, verb, `post${verb}`);
  }
  return names.filter((n) => scripts[n] !== undefined);
}

/** Files a shell command names: `-p <tsconfig>` and arguments that are paths (hold a `/` or a file extension). */
export function pathsNamed(command: string): string[] {
  const out: string[] = [];
  const tokens = command.split(/\s+|&&|\|\||;/).filter(Boolean);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === '-p' || t === '--project') out.push(tokens[++i]!);
    else if (!t.startsWith('-') && !t.includes('=') && (/\//.test(t) || /\.(c|m)?(js|ts)$|\.json$/.test(t))) out.push(t);
  }
  return out;
}

/**
 * What a tsconfig needs next to it: itself, the configs it extends, and the
 * roots of its `include` (the nearest one in the extends chain that sets it).
 */
export function tsconfigNeeds(root: string, file: string): string[] {
  const needs: string[] = [];
  let include: string[] | undefined;
  for (let current: string | undefined = posix.normalize(file); current !== undefined; ) {
    needs.push(current);
    // tsconfig is JSON with whole-line comments (ours have no trailing commas).
    const config = JSON.parse(readFileSync(join(root, current), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as { extends?: string; include?: string[] };
    include ??= config.include?.map((p) => posix.join(posix.dirname(current!), p.split(/[*?]/)[0]!.replace(/\/$/, '')));
    current = config.extends ? posix.join(posix.dirname(current), config.extends) : undefined;
  }
  return [...needs, ...(include ?? [])];
}

/**
 * The context files a RUN needs, relative to its working directory: for npm,
 * package.json (and package-lock.json for ci), then every path the scripts it
 * runs name, with what each tsconfig named there needs in turn.
 */
export function filesNeededBy(command: string, root: string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const scripts = pkg.scripts ?? {};
  const needs = new Set<string>();
  if (/(^|[;&|]\s*)npm\s/.test(command)) needs.add('package.json');
  if (/(^|[;&|]\s*)npm\s+ci\b/.test(command)) needs.add('package-lock.json');
  const commands = [command, ...npmScriptsRun(command, scripts).map((n) => scripts[n]!)];
  for (const c of commands) {
    for (const path of pathsNamed(c)) {
      const clean = posix.normalize(path);
      if (/tsconfig[^/]*\.json$/.test(clean) && existsSync(join(root, clean))) for (const n of tsconfigNeeds(root, clean)) needs.add(n);
      else needs.add(clean);
    }
  }
  return [...needs];
}

/** Whether a container path is a copied file or a directory holding one. */
export function isPresent(copied: ReadonlySet<string>, path: string): boolean {
  if (copied.has(path)) return true;
  const prefix = `${path.replace(/\/$/, '')}/`;
  for (const p of copied) if (p.startsWith(prefix)) return true;
  return false;
}

export interface MissingInput {
  readonly run: string;
  readonly path: string;
}

/**
 * Walks a stage in order and returns every file a RUN needs that no earlier
 * COPY put in place, and every COPY source missing from the build context.
 */
export function checkStageInputs(stage: Stage, root: string, ignore: readonly string[]): { missingInputs: MissingInput[]; missingSources: string[] } {
  let workdir = '/';
  const copied = new Set<string>();
  const missingInputs: MissingInput[] = [];
  const missingSources: string[] = [];
  for (const instruction of stage.instructions) {
    if (instruction.keyword === 'WORKDIR') workdir = posix.resolve(workdir, instruction.args);
    if (instruction.keyword === 'COPY' && !instruction.args.startsWith('--from=')) {
      const plan = planCopy(instruction, workdir, root, ignore);
      missingSources.push(...plan.missing);
      for (const [, target] of plan.files) copied.add(target);
    }
    if (instruction.keyword === 'RUN') {
      for (const path of filesNeededBy(instruction.args, root)) {
        const inStage = posix.resolve(workdir, path);
        if (!isPresent(copied, inStage)) missingInputs.push({ run: instruction.args, path: inStage });
      }
    }
  }
  return { missingInputs, missingSources };
}

/** Carries out a COPY plan under `stageRoot` (the stage's `/`). */
export function applyCopy(plan: CopyPlan, root: string, stageRoot: string): void {
  for (const [from, to] of plan.files) {
    const dest = join(stageRoot, to);
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(join(root, from), dest);
  }
}

/**
 * Runs a stage for real in `stageRoot` (standing for the stage's `/`): each
 * WORKDIR, COPY (from the build context, .dockerignore applied), ENV and RUN
 * in order, RUN through `sh -c` with `env` (PATH with the Node the base image
 * has). What the image build does, minus the base image. Throws at the first
 * step that fails, naming it.
 */
export function runStage(stage: Stage, root: string, ignore: readonly string[], stageRoot: string, env: Readonly<Record<string, string>>, timeoutMs: number): void {
  let workdir = '/';
  let stageEnv: Record<string, string> = { ...env };
  for (const instruction of stage.instructions) {
    const step = `${instruction.keyword} ${instruction.args}`;
    if (instruction.keyword === 'WORKDIR') {
      workdir = posix.resolve(workdir, instruction.args);
      mkdirSync(join(stageRoot, workdir), { recursive: true });
    } else if (instruction.keyword === 'ENV') stageEnv = { ...stageEnv, ...keyValues(instruction.args) };
    else if (instruction.keyword === 'COPY') {
      if (instruction.args.startsWith('--from=')) throw new Error(`${step}: a build stage that copies from another stage is not supported by this check`);
      const plan = planCopy(instruction, workdir, root, ignore);
      if (plan.missing.length > 0) throw new Error(`${step}: not in the build context: ${plan.missing.join(', ')}`);
      applyCopy(plan, root, stageRoot);
    } else if (instruction.keyword === 'RUN') {
      const r = spawnSync('sh', ['-c', instruction.args], { cwd: join(stageRoot, workdir), env: stageEnv, encoding: 'utf8', timeout: timeoutMs });
      if (r.status !== 0) throw new Error(`${step} failed (${r.status ?? r.signal ?? r.error?.message}):\n${r.stdout}\n${r.stderr}`);
    }
  }
}
