import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killTrial, makeBatches, postBatch, readTotals, totalsOf, WATCHED } from '../support/crash-harness.ts';

/**
 * Issue 6's guarantee under SIGKILL: an acknowledged batch survives, an
 * unacknowledged one is either fully there or fully absent, and resending by
 * id converges on exactly what was sent.
 */
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// Kill points spread over the load: early (first batches in flight), middle, late. Random within each band.
// The last band runs past a snapshot (state.snapshotIntervalSec 1), so the kill also lands after a compaction.
const KILL_BANDS: Array<[number, number]> = [
  [40, 120],
  [150, 350],
  [400, 700],
  [1150, 1700],
];

describe('SIGKILL during load', () => {
  for (const [lo, hi] of KILL_BANDS) {
    it(`loses nothing acknowledged and double-counts nothing (kill in ${lo}-${hi} ms)`, async () => {
      const stateDir = mkdtempSync(join(tmpdir(), 'qb-crash-'));
      dirs.push(stateDir);
      const batches = makeBatches(`k${lo}`, 20000, 12);
      const killAfterMs = lo + Math.floor(Math.random() * (hi - lo));
      const { trial, agent } = await killTrial({ stateDir, killAfterMs, batches, concurrency: 6, extraArgs: ['--state.snapshotIntervalSec', '1'] });
      try {
        expect(trial.acked.length, 'the loader got acknowledgements before the kill').toBeGreaterThan(0);
        expect(trial.sent.length, 'the kill came before the loader ran out of batches').toBeLessThan(batches.length);
        const ackedTotals = totalsOf(trial.acked);
        const inFlightTotals = totalsOf(trial.inFlight);
        WATCHED.forEach((w, i) => {
          expect(trial.restored[i], `${w.name} >= acknowledged`).toBeGreaterThanOrEqual(ackedTotals[i]!);
          expect(trial.restored[i], `${w.name} <= acknowledged + in flight`).toBeLessThanOrEqual(ackedTotals[i]! + inFlightTotals[i]!);
        });

        // Resend what was never acknowledged: each batch is atomically either already there (all duplicates) or not at all.
        for (const batch of trial.inFlight) {
          const res = await postBatch(agent.url, batch);
          expect(res.status).toBe(202);
          expect([batch.events.length, 0]).toContain(res.body.accepted);
          expect(res.body.accepted! + res.body.duplicates!).toBe(batch.events.length);
        }
        const sentTotals = totalsOf(trial.sent);
        expect(await readTotals(agent)).toEqual(sentTotals);

        // Resending everything changes nothing: every event is a duplicate.
        let accepted = 0;
        let duplicates = 0;
        for (const batch of trial.sent) {
          const res = await postBatch(agent.url, batch);
          accepted += res.body.accepted!;
          duplicates += res.body.duplicates!;
        }
        expect(accepted).toBe(0);
        expect(duplicates).toBe(trial.sent.length * 12);
        expect(await readTotals(agent)).toEqual(sentTotals);
      } finally {
        await agent.stop();
      }
    });
  }
});
