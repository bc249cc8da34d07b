import { afterAll, describe, expect, it } from 'vitest';
import type { FleetAgent } from './fleet-agent.ts';
import type { FleetPath } from './paths.ts';
import { runFleetScript } from './script.ts';

/** The fleet script on one path, as one test file per path (vitest runs the files side by side). */
export function describeFleet(title: string, skip: string | undefined, startPath: () => Promise<FleetPath>): void {
  const agents: FleetAgent[] = [];
  let path: FleetPath | undefined;
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.dispose()));
    await path?.stop();
  });

  describe(title, () => {
    it('every range panel equals what was sent through restarts, a move, an outage, a decommission, a rolling deploy and lost states; only the expected alerts fire', async (ctx) => {
      if (skip) return ctx.skip(skip);
      path = await startPath();
      const report = await runFleetScript(path, agents);
      expect(report.checkpoints).toBe(14);
      expect(report.panelChecks).toBeGreaterThan(500);
    }, 600_000);
  });
}
