import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipReason } from '../support/skip.ts';
import { ROOT } from '../support/tools.ts';

/**
 * .ci/summarize.mjs on a report the real vitest wrote for a small suite with
 * every kind of skip: under CI=true each skip is a failure, named above the
 * last line, which keeps its "N passed, N failed" form.
 */
let dir: string;
let report: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qb-ci-summary-'));
  writeFileSync(
    join(dir, 'kinds.test.mjs'),
    `import { describe, it } from 'vitest';
it('runs', () => {});
it.skip('is skipped', () => {});
it('skips itself', (ctx) => ctx.skip('no tool'));
describe.skipIf(true)('group', () => { it('inner', () => {}); });
it.todo('later');
`,
  );
  writeFileSync(join(dir, 'vitest.config.mjs'), "export default { test: { include: ['*.test.mjs'] } };\n");
  report = join(dir, 'report.json');
  const run = spawnSync(join(ROOT, 'node_modules', '.bin', 'vitest'), ['run', '--root', dir, '--reporter=json', `--outputFile.json=${report}`], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  expect(run.status, run.stderr).toBe(0);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function summarize(file: string, ci: boolean) {
  const run = spawnSync(process.execPath, [join(ROOT, '.ci', 'summarize.mjs'), file], { cwd: dir, encoding: 'utf8', env: ci ? { CI: 'true' } : {} });
  return { status: run.status, lines: run.stdout.trimEnd().split('\n') };
}

describe('.ci/summarize.mjs', () => {
  it('under CI=true, counts every skipped test as failed, names them, and exits 1', () => {
    expect(summarize(report, true)).toEqual({
      status: 1,
      lines: [
        '4 skipped (a failure under CI=true):',
        '  kinds.test.mjs: is skipped',
        '  kinds.test.mjs: skips itself',
        '  kinds.test.mjs: group inner',
        '  kinds.test.mjs: later',
        '1 passed, 4 failed',
      ],
    });
  });

  it('elsewhere, lists them and passes', () => {
    const { status, lines } = summarize(report, false);
    expect(status).toBe(0);
    expect(lines[0]).toBe('4 skipped:');
    expect(lines.at(-1)).toBe('1 passed, 0 failed');
  });

  it('a missing report is one failure', () => {
    expect(summarize(join(dir, 'nope.json'), true)).toEqual({ status: 1, lines: ['0 passed, 1 failed'] });
  });
});

describe('skipReason', () => {
  it('passes a reason on, and throws it under CI=true', () => {
    const saved = process.env.CI;
    try {
      delete process.env.CI;
      expect(skipReason('no tool')).toBe('no tool');
      expect(skipReason(undefined)).toBeUndefined();
      process.env.CI = 'true';
      expect(skipReason(undefined)).toBeUndefined();
      expect(() => skipReason('no tool')).toThrow('no tool; under CI=true nothing may skip (.ci/run installs what the suite needs)');
    } finally {
      if (saved === undefined) delete process.env.CI;
      else process.env.CI = saved;
    }
  });
});
