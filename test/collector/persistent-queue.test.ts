import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnAgent } from '../support/agent-process.ts';
import { makeBatches, postBatch, totalsOf } from '../support/crash-harness.ts';
import { missingGoTool } from '../support/go-tools.ts';
import { pushHealth } from '../support/push-health.ts';
import { awaitStoredTotals } from '../support/stored-totals.ts';
import { missingTool } from '../support/tools.ts';
import { eventually } from '../support/workload.ts';
import { pushArgs, startRemoteWriteCollector, usePathParts } from './support/path.ts';

/**
 * The gateway setting of the shipped config: prometheus_remote_write into
 * Prometheus 3.5's remote-write receiver, through the exporter's write-ahead log.
 * The store goes away, the last data reaches the Collector, the agent goes away
 * too (so no later push can heal anything), and the Collector is restarted while
 * the store is still unreachable: what it had accepted must arrive once the store
 * is back.
 */

const skip = missingGoTool('otelcol') ?? missingTool('prometheus');

const walDir = mkdtempSync(join(tmpdir(), 'qb-otelcol-wal-'));
const parts = usePathParts();
afterAll(() => rmSync(walDir, { recursive: true, force: true }));

describe.skipIf(skip)('the Collector\'s persistent queue (remote write with a write-ahead log)', () => {
  it('a Collector restart while Prometheus is unreachable loses nothing', async () => {
    let { prom, collector } = await startRemoteWriteCollector(parts, walDir);
    const agent = (parts.agent = await spawnAgent({ args: [...pushArgs(collector.otlpUrl), '--host.enabled', 'false'] }));
    const query = (q: string) => prom.query(q);
    const [first, second] = [makeBatches('wal-a', 5, 9), makeBatches('wal-b', 5, 9)];
    for (const b of first) expect((await postBatch(agent.url, b)).status).toBe(202);
    expect(await awaitStoredTotals(query, totalsOf(first))).toEqual(totalsOf(first));

    // The store goes away; the second half reaches the Collector (two pushes that began after it succeed).
    await prom.stop();
    for (const b of second) expect((await postBatch(agent.url, b)).status).toBe(202);
    const pushed = (await pushHealth(agent.url)).successes;
    const url = agent.url;
    await eventually(async () => ((await pushHealth(url)).successes >= pushed + 2 ? true : undefined), 30_000, 'two pushes accepted by the Collector');
    // The agent leaves (its last push goes to the Collector too): only the Collector has the second half now.
    expect(await agent.stop()).toBe(0);

    // Restarted while the store is still away, then the store comes back.
    await collector.stop();
    collector = parts.collector = await collector.restart();
    prom = parts.prom = await prom.restart();
    const expected = totalsOf([...first, ...second]);
    expect(await awaitStoredTotals(query, expected, { timeoutMs: 60_000 })).toEqual(expected);
  }, 240_000);
});
