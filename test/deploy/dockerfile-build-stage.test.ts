import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/tools.ts';
import { checkStageInputs, filesNeededBy, isPresent, planCopy, runStage } from './support/build-stage.ts';
import { instructions, parseDockerfile, readDockerignore, type Stage } from './support/dockerfile.ts';

const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const build = stages.find((s) => s.name === 'build')!;
const ignore = readDockerignore(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
/** The build stage's working directory, where its COPY instructions land. */
const WORKDIR = instructions(build, 'WORKDIR').at(-1)!.args;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

/** The stage without its n-th COPY. */
const withoutCopy = (stage: Stage, n: number): Stage => {
  const copy = instructions(stage, 'COPY')[n];
  return { ...stage, instructions: stage.instructions.filter((i) => i !== copy) };
};

describe("the Dockerfile's build stage, checked against the repository", () => {
  it('copies sources that all exist in the build context (.dockerignore applied)', () => {
    expect(instructions(build, 'COPY').length).toBeGreaterThanOrEqual(4);
    expect(checkStageInputs(build, ROOT, ignore).missingSources).toEqual([]);
  });

  it('sees what `npm run build` uses: its pre-script, the tsconfigs, what they extend and include', () => {
    expect(filesNeededBy('npm run build', ROOT)).toEqual(
      expect.arrayContaining(['package.json', 'scripts/build-status-assets.ts', 'src/status/assets/tsconfig.json', 'tsconfig.json', 'tsconfig.build.json', 'src']),
    );
    expect(filesNeededBy('npm ci --no-audit --no-fund', ROOT)).toEqual(['package.json', 'package-lock.json']);
  });

  it('has every file a RUN uses copied before that RUN', () => {
    expect(checkStageInputs(build, ROOT, ignore).missingInputs).toEqual([]);
  });

  it.each(instructions(build, 'COPY').map((c, n) => [c.args, n] as const))('fails the check without `COPY %s`, naming what it copied', (_args, n) => {
    const { missingInputs } = checkStageInputs(withoutCopy(build, n), ROOT, ignore);
    expect(missingInputs.length).toBeGreaterThan(0);
    const removed = new Set(planCopy(instructions(build, 'COPY')[n]!, WORKDIR, ROOT, ignore).files.map(([, to]) => to));
    for (const { path } of missingInputs) expect(isPresent(removed, path), path).toBe(true);
  });
});

/**
 * The build stage run for real in a directory: its COPY instructions from the
 * build context with .dockerignore applied, then its own RUN commands (npm ci
 * with the dev dependencies, npm run build) in order. npm prefers its cache,
 * as a warm Docker build cache would. What the image build does, minus the
 * base image (whose Node is this one).
 */
describe('the build stage, run in a directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qb-build-stage-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('compiles a CLI that runs', () => {
    const env = { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, HOME: process.env.HOME ?? '/root', npm_config_prefer_offline: 'true' };
    runStage(build, ROOT, ignore, dir, env, 300_000);
    const cli = spawnSync(process.execPath, [join(dir, WORKDIR, 'dist', 'cli.js'), '--version'], { encoding: 'utf8', timeout: 30_000 });
    expect(cli.stderr).toBe('');
    expect(cli.stdout.trim()).toBe(pkg.version);
  }, 400_000);
});
