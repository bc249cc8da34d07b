import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/tools.ts';

interface Row {
  workload: string;
  case: string;
  metric: string;
  agent: number;
  peer?: number;
  peerName: string;
  better: string;
  target?: { text: string; met: boolean };
}

/**
 * CI-sized run of the benchmark harness (quick mode, a few seconds): the
 * harness still works end to end and the golden check inside the W2 render
 * benchmark (agent bytes === upstream serializer bytes) holds. The figures
 * themselves are never asserted.
 */
describe('bench --quick', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qb-bench-'));
  let status: number | null;
  let stderr: string;
  let rows: Row[];
  let markdown: string;

  beforeAll(() => {
    const r = spawnSync(process.execPath, ['bench/run.ts', '--quick', '--only', 'W2,W3,W4', '--out', join(dir, 'b.md'), '--json', join(dir, 'b.json')], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 150_000,
    });
    status = r.status;
    stderr = r.stderr;
    rows = (JSON.parse(readFileSync(join(dir, 'b.json'), 'utf8')) as { rows: Row[] }).rows;
    markdown = readFileSync(join(dir, 'b.md'), 'utf8');
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 with every selected workload done', () => {
    expect(stderr).not.toMatch(/failed/);
    expect(status).toBe(0);
    expect(new Set(rows.map((r) => r.workload))).toEqual(new Set(['W2', 'W3', 'W4']));
  });

  it('produces well-formed rows: finite agent figures, a peer per row, a direction', () => {
    for (const r of rows) {
      expect(r.case.length, JSON.stringify(r)).toBeGreaterThan(0);
      expect(Number.isFinite(r.agent), JSON.stringify(r)).toBe(true);
      expect(r.peerName.length, JSON.stringify(r)).toBeGreaterThan(0);
      expect(['lower', 'higher']).toContain(r.better);
    }
    // The render comparison ran against both peers (which only happens after the golden byte check passed).
    expect(rows.filter((r) => r.workload === 'W2' && r.peerName === 'OTel PrometheusSerializer').map((r) => r.case)).toEqual([
      '1k counter series',
      '1k histogram series',
    ]);
    const w3 = rows.filter((r) => r.workload === 'W3');
    expect(w3.map((r) => r.metric)).toEqual(['encode CPU ms (protobuf vs JSON)', 'request bytes', 'request bytes gzip']);
  });

  it('writes the report: conditions, targets table, a table per workload, method notes', () => {
    for (const heading of ['# Benchmarks', '## Conditions', '## Targets (issue 7)', '## W2', '## W3', '## W4', '## Method']) {
      expect(markdown).toContain(`${heading}\n`);
    }
    expect(markdown).toContain('mode **quick');
  });
});
