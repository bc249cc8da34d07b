import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { spawnAgent } from '../support/agent-process.ts';
import { makeBatches, readTotals, totalsOf } from '../support/crash-harness.ts';
import { startEventStream } from '../support/event-stream.ts';
import { missingGoTool } from '../support/go-tools.ts';
import { pushHealth, type PushHealth } from '../support/push-health.ts';
import { awaitStoredTotals, storedTotals } from '../support/stored-totals.ts';
import { missingTool } from '../support/tools.ts';
import { eventually } from '../support/workload.ts';
import { pushArgs, startScrapedCollector, usePathParts } from './support/path.ts';

/**
 * The Collector restarted mid-stream, then down for two real minutes while events
 * keep arriving at the agent: after recovery Prometheus holds exactly what the
 * agent acknowledged, the agent's memory stayed bounded, and its push health was
 * visible on /metrics and /api/status throughout.
 *
 * Two real minutes, as a Collector upgrade or crash loop takes: the agent keeps no
 * queue of failed pushes (cumulative temporality: the next push carries the full
 * totals), so nothing in it grows with the outage but the events themselves.
 * QB_TEST_COLLECTOR_OUTAGE_MS shortens it for a local rerun.
 */

const skip = missingGoTool('otelcol') ?? missingTool('prometheus');
const OUTAGE_MS = Number(process.env.QB_TEST_COLLECTOR_OUTAGE_MS ?? 120_000);
/** RSS the agent may gain while the Collector is down (events and dedupe ids included). */
const RSS_GROWTH_BOUND = 40 * 1024 * 1024;

const parts = usePathParts();

function rssBytes(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

describe.skipIf(skip)('the Collector restarted, then down for two minutes, while events keep arriving', () => {
  it('loses nothing and doubles nothing downstream; the agent stays bounded and says it is failing', async () => {
    const started = await startScrapedCollector(parts);
    const prom = started.prom;
    let collector = started.collector;
    const agent = (parts.agent = await spawnAgent({ args: [...pushArgs(collector.otlpUrl), '--host.enabled', 'false'] }));
    const url = agent.url;
    // 60 events a second for as long as the test runs.
    const stream = startEventStream(() => url, makeBatches('outage', 100_000, 6), 100);
    const query = (q: string) => prom.query(q);
    await eventually(async () => ((await storedTotals(query))[1]! > 0 ? true : undefined), 30_000, 'the first events in Prometheus');

    // A restart mid-stream (an upgrade): the Collector's exporter starts empty and is refilled by the next push.
    await collector.stop();
    collector = parts.collector = await collector.restart();
    const afterRestart = totalsOf(stream.acked);
    await eventually(async () => ((await storedTotals(query))[1]! >= afterRestart[1]! ? true : undefined), 30_000, 'the stream in Prometheus after the restart');

    // Down for the outage: events keep arriving, every push fails.
    const before = await pushHealth(url);
    expect(before.status.consecutiveFailures).toBe(0);
    const rssBefore = rssBytes(agent.child.pid!);
    const ackedBeforeOutage = stream.acked.length;
    await collector.stop();
    const outageEnds = Date.now() + OUTAGE_MS;
    let rssMax = rssBefore;
    let during: PushHealth | undefined;
    while (Date.now() < outageEnds) {
      rssMax = Math.max(rssMax, rssBytes(agent.child.pid!));
      during = await pushHealth(url);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const ackedDuringOutage = stream.acked.length;
    collector = parts.collector = await collector.restart();
    await eventually(async () => ((await pushHealth(url)).status.consecutiveFailures === 0 ? true : undefined), 30_000, 'a successful push');
    const acked = await stream.stop();

    // Exact totals downstream: every acknowledged event once.
    const expected = totalsOf(acked);
    expect(await readTotals(agent)).toEqual(expected);
    expect(await awaitStoredTotals(query, expected)).toEqual(expected);
    // Events kept arriving (10 batches a second; half that rate is enough under load).
    expect(ackedDuringOutage - ackedBeforeOutage).toBeGreaterThan(OUTAGE_MS / 200);

    // Push health: failing during the outage on /metrics and the status page, recovered after.
    const outageSeconds = OUTAGE_MS / 1000;
    expect(during!.failures - before.failures).toBeGreaterThanOrEqual(outageSeconds / 2);
    expect(during!.status.consecutiveFailures).toBeGreaterThanOrEqual(outageSeconds / 2);
    expect(during!.status.lastError).toBeTruthy();
    const after = await pushHealth(url);
    expect(after.status.consecutiveFailures).toBe(0);
    expect(after.successes).toBeGreaterThan(during!.successes);

    // Memory: bounded while the Collector was away.
    expect(rssMax - rssBefore).toBeLessThan(RSS_GROWTH_BOUND);
    console.log(`collector outage ${outageSeconds} s: ${acked.length} batches acknowledged, agent RSS ${(rssBefore / 2 ** 20).toFixed(1)} → max ${(rssMax / 2 ** 20).toFixed(1)} MiB`);
  }, OUTAGE_MS + 180_000);
});
