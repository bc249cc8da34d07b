import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killTrial, makeBatches, postBatch, readTotals, totalsOf, WATCHED } from '../support/crash-harness.ts';
import { missingGoTool } from '../support/go-tools.ts';
import { awaitStoredTotals, storedTotals } from '../support/stored-totals.ts';
import { missingTool } from '../support/tools.ts';
import { eventually } from '../support/workload.ts';
import { pushArgs, startRemoteWriteCollector, startScrapedCollector, usePathParts, type PathParts } from './support/path.ts';

/**
 * The agent SIGKILLed while it pushes through the Collector (on both of the
 * shipped config's exporters), and restarted on its state dir: the restored counters continue the same series (same
 * service.instance.id, kept in the state dir), so downstream nothing is counted
 * twice and no counter dips. The client re-sends the batches that were in flight
 * at the kill, as a client does; deduplication counts them once.
 */

const skip = missingGoTool('otelcol') ?? missingTool('prometheus');

const tempDir = mkdtempSync(join(tmpdir(), 'qb-kill-'));
afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

const PATHS = [
  { name: 'the prometheus exporter, scraped (compose push mode)', parts: usePathParts(), start: startScrapedCollector },
  {
    name: 'remote write with its write-ahead log (the gateway tier)',
    parts: usePathParts(),
    start: (parts: PathParts) => startRemoteWriteCollector(parts, join(tempDir, 'wal')),
  },
] as const;

describe.skipIf(skip).for(PATHS)('the agent killed and restarted with its state dir while pushing through the Collector: $name', ({ parts, start }) => {
  it('counts every event once downstream, without a dip', async () => {
    const stateDir = mkdtempSync(join(tempDir, 'state-'));
    const { collector, prom } = await start(parts);
    const query = (q: string) => prom.query(q);
    const before = makeBatches('kill-a', 400, 6);
    const { trial, agent: restarted } = await killTrial({
      stateDir,
      // Long enough for several pushes of the first process to reach Prometheus.
      kill: { afterMs: 5000 },
      batches: before,
      concurrency: 2,
      extraArgs: pushArgs(collector.otlpUrl),
    });
    const agent = (parts.agent = restarted);
    expect(trial.acked.length).toBeGreaterThan(0);
    // The client retries what was in flight at the kill; the agent counts each event once.
    for (const b of trial.inFlight) expect((await postBatch(agent.url, b)).status).toBe(202);
    const after = makeBatches('kill-b', 20, 6);
    for (const b of after) expect((await postBatch(agent.url, b)).status).toBe(202);

    const expected = totalsOf([...trial.acked, ...trial.inFlight, ...after]);
    expect(await readTotals(agent)).toEqual(expected);
    expect(await awaitStoredTotals(query, expected)).toEqual(expected);
    // No dip: Prometheus saw no counter reset on any watched counter since the start.
    const resets = await Promise.all(
      WATCHED.filter((w) => w.name.endsWith('_total')).map(async (w) => [w.name, (await query(`sum(resets(${w.name}[10m]))`))[0]?.value[1]] as const),
    );
    expect(resets).toEqual(WATCHED.filter((w) => w.name.endsWith('_total')).map((w) => [w.name, '0']));
    // And it stays exact with more pushes of the restarted agent.
    await eventually(async () => (JSON.stringify(await storedTotals(query)) === JSON.stringify(expected) ? true : undefined), 10_000, 'a steady total');
  }, 180_000);
});
