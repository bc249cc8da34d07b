import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { Prng } from '../../src/demo/prng.ts';
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

// Kill points spread over the load, counted in acknowledged batches: the first few (others still in flight),
// early, middle, and after the first snapshot (state.snapshotIntervalSec 1), so a kill also lands after a
// compaction. Drawn from a seeded generator: a failure prints the seed, and QB_CRASH_SEED=<seed> replays it.
const KILL_BANDS: Array<{ name: string; acks: [number, number]; afterSnapshot?: boolean }> = [
  { name: 'within the first acknowledgements', acks: [1, 6] },
  { name: 'early', acks: [50, 150] },
  { name: 'in the middle', acks: [300, 600] },
  { name: 'after a snapshot', acks: [1, 100], afterSnapshot: true },
];
const SEED = process.env.QB_CRASH_SEED !== undefined ? Number(process.env.QB_CRASH_SEED) : randomInt(2 ** 31);
const prng = new Prng(SEED);

describe('SIGKILL during load', () => {
  for (const band of KILL_BANDS) {
    const afterAcks = band.acks[0] + Math.floor(prng.next() * (band.acks[1] - band.acks[0]));
    it(`loses nothing acknowledged and double-counts nothing (kill ${band.name})`, async () => {
      onTestFailed(() => {
        console.error(`crash test: seed ${SEED}, kill after ${afterAcks} acknowledged batches${band.afterSnapshot ? ' past the first snapshot' : ''}; replay with QB_CRASH_SEED=${SEED}`);
      });
      const stateDir = mkdtempSync(join(tmpdir(), 'qb-crash-'));
      dirs.push(stateDir);
      const batches = makeBatches(`k${band.acks[0]}${band.afterSnapshot ? 's' : ''}`, 20000, 12);
      const kill = { afterAcks, afterSnapshot: band.afterSnapshot ?? false };
      const { trial, agent } = await killTrial({ stateDir, kill, batches, concurrency: 6, extraArgs: ['--state.snapshotIntervalSec', '1'] });
      try {
        expect(trial.acked.length, 'the loader got acknowledgements before the kill').toBeGreaterThanOrEqual(afterAcks);
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
