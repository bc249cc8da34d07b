import { afterAll, describe, expect, it } from 'vitest';
import { missingTool } from '../support/tools.ts';
import type { FleetAgent } from './support/fleet-agent.ts';
import { pushPath, type FleetPath } from './support/paths.ts';
import { runFleetScript } from './support/script.ts';

const skip = missingTool('vmalert') ?? missingTool('victoria-metrics');
const agents: FleetAgent[] = [];
let path: FleetPath | undefined;
afterAll(async () => {
  await Promise.all(agents.map((a) => a.dispose()));
  await path?.stop();
});

describe('fleet, push: six agents pushing OTLP into VictoriaMetrics, rules in vmalert', () => {
  it('every range panel equals what was sent through restarts, a move, an outage, a decommission, a rolling deploy and lost states; only the expected alerts fire', async (ctx) => {
    if (skip) return ctx.skip(skip);
    path = await pushPath();
    const report = await runFleetScript(path, agents);
    expect(report.checkpoints).toBe(13);
    expect(report.panelChecks).toBeGreaterThan(500);
  }, 600_000);
});
