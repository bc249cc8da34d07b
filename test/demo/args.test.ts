import { describe, expect, it } from 'vitest';
import { DemoUsageError, parseDemoArgs } from '../../src/demo/args.ts';

function problems(argv: string[]): readonly string[] {
  try {
    parseDemoArgs(argv, {});
  } catch (err) {
    if (err instanceof DemoUsageError) return err.problems;
    throw err;
  }
  return [];
}

describe('parseDemoArgs', () => {
  it('has defaults that match the agent defaults and takes the token from QB_DEMO_TOKEN', () => {
    const o = parseDemoArgs(['--target', 'http://127.0.0.1:9464'], { QB_DEMO_TOKEN: 't0k' });
    expect(o).toMatchObject({ rate: 20, durationSec: 60, seed: 1, scenario: 'normal', token: 't0k', batchSize: 500, activeUserWindowSec: 300 });
    expect(o.gradeThresholds).toEqual([
      { grade: 'A', min: 90 },
      { grade: 'B', min: 80 },
      { grade: 'C', min: 70 },
      { grade: 'D', min: 0 },
    ]);
    expect(parseDemoArgs(['--target', 'http://a', '--token', 'flag'], { QB_DEMO_TOKEN: 'env' }).token).toBe('flag');
  });

  it('lists every problem at once', () => {
    expect(problems(['--rate', '0', '--seed', '1.5', '--scenario', 'chaos', '--run-id', 'a b'])).toEqual([
      '--target: required, e.g. --target http://127.0.0.1:9464',
      '--rate: must be a number from 0.1 to 100000, got "0"',
      '--seed: must be an integer from 0 to 4294967295, got "1.5"',
      '--scenario: must be one of normal, incident, got "chaos"',
      '--run-id: 1 to 64 characters of A-Z a-z 0-9 _ . : -',
    ]);
    expect(problems(['--target', 'ftp://x'])).toEqual(['--target: must be an http(s) URL, got "ftp://x"']);
    expect(problems(['--target', 'http://x', '--rat', '5'])[0]).toMatch(/Unknown option '--rat'/);
  });
});
