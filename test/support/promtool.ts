import { spawnSync } from 'node:child_process';
import { toolPath } from './tools.ts';

/** Runs `promtool check metrics` on an exposition; returns its exit status and output (lint problems). */
export function promtoolCheckMetrics(exposition: string): { status: number | null; output: string } {
  const promtool = toolPath('promtool');
  if (!promtool) throw new Error('promtool missing');
  const result = spawnSync(promtool, ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
