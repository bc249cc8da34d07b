import { afterAll, describe, expect, it } from 'vitest';
import { spawnAgent, type AgentProcess } from '../support/agent-process.ts';
import { makeBatches, totalsOf, type Totals } from '../support/crash-harness.ts';
import { startEventStream } from '../support/event-stream.ts';
import { startGatewayTopology, type GatewayTopology } from '../support/gateway-topology.ts';
import { missingGoTool } from '../support/go-tools.ts';
import { pushHealth } from '../support/push-health.ts';
import { awaitStoredTotals, storedTotals } from '../support/stored-totals.ts';
import { missingTool } from '../support/tools.ts';
import { eventually } from '../support/workload.ts';
import { pushArgs } from './support/path.ts';

/**
 * The reference topology, scaled to this machine: three agents → a round-robin
 * balancer → two gateway Collectors (remote write, write-ahead log) → one store.
 * One gateway goes away while events stream in (its agents move to the other)
 * and comes back; every agent's totals, and the fleet's, are exact in the store.
 */

const skip = missingGoTool('otelcol') ?? missingTool('prometheus');
const AGENTS = ['billing-host-1', 'billing-host-2', 'billing-host-3'];

let topology: GatewayTopology | undefined;
const agents: AgentProcess[] = [];
afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop('SIGKILL')));
  await topology?.stop();
});

const sum = (totals: readonly Totals[]) => totals.reduce((acc, t) => acc.map((v, i) => v + t[i]!));

describe.skipIf(skip)('three agents → two gateway Collectors → one store', () => {
  it('every agent\'s totals and the fleet\'s are exact, while a gateway goes away and comes back', async () => {
    topology = await startGatewayTopology({ gateways: 2 });
    const query = (q: string) => topology!.store.query(q);
    for (const id of AGENTS) {
      agents.push(
        await spawnAgent({
          args: ['--service.instanceId', id, ...pushArgs(topology.otlpUrl), '--host.enabled', 'false'],
        }),
      );
    }
    const streams = agents.map((a, i) => startEventStream(() => a.url, makeBatches(AGENTS[i]!, 100_000, 6), 200));
    await eventually(async () => ((await storedTotals(query))[1]! > 0 ? true : undefined), 60_000, 'the first events in the store');

    // One replica goes away: the agents it served reconnect through the balancer to the
    // other (two pushes of each agent succeed without it), then it comes back.
    await topology.stopGateway(0);
    const pushed = await Promise.all(agents.map(async (a) => (await pushHealth(a.url)).successes));
    for (const [i, a] of agents.entries()) {
      await eventually(async () => ((await pushHealth(a.url)).successes >= pushed[i]! + 2 ? true : undefined), 60_000, `${AGENTS[i]} pushing without gateway 0`);
    }
    await topology.startGateway(0);
    // Keep streaming until data that arrived after the restart is stored.
    const mark = streams.map((s) => totalsOf(s.acked));
    await eventually(async () => ((await storedTotals(query))[1]! >= sum(mark)[1]! ? true : undefined), 60_000, 'the stream after the gateway restart');
    const acked = await Promise.all(streams.map((s) => s.stop()));

    // Both replicas took agents' connections.
    expect(Object.values(topology.balancer.connections).every((n) => n > 0)).toBe(true);
    const expected = acked.map((a) => totalsOf(a));
    for (const [i, id] of AGENTS.entries()) {
      expect(await awaitStoredTotals(query, expected[i]!, { matchers: `instance="${id}"`, timeoutMs: 60_000 }), id).toEqual(expected[i]);
      expect(await awaitStoredTotals(query, expected[i]!, { matchers: `service_instance_id="${id}"` }), id).toEqual(expected[i]);
    }
    expect(await storedTotals(query)).toEqual(sum(expected));
    // One series per agent and metric: no gateway-specific label splits a series.
    expect((await query('count by (instance) (quality_billing_invoices_total)')).map((r) => [r.metric.instance, r.value[1]]).sort()).toEqual(AGENTS.map((id) => [id, '1']));
  }, 300_000);
});
