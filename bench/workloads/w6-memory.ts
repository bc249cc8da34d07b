import { setTimeout as sleep } from 'node:timers/promises';
import { counterSeriesBodies } from '../lib/events.ts';
import { rssBytes } from '../lib/proc.ts';
import { medianOf } from '../lib/stats.ts';
import { postAll, startAgent, startReference, timedGet, type RunningAgent, type Workload } from '../lib/context.ts';

/** RSS growth after creating `series` counter series and scraping once, in MiB per 10k series. */
async function growth(server: RunningAgent, series: number): Promise<number> {
  await timedGet(`${server.url}/metrics`);
  await sleep(1000);
  const base = rssBytes(server.proc.pid);
  await postAll(server.url, counterSeriesBodies(series));
  await timedGet(`${server.url}/metrics`);
  await sleep(1000);
  return ((rssBytes(server.proc.pid) - base) / 1024 / 1024) * (10_000 / series);
}

/** W6: RSS per 10k active series, agent vs the prom-client reference with the same events. */
export const w6Memory: Workload = async (o, rows, notes) => {
  const series = o.quick ? 3000 : 30_000;
  const agent = await medianOf(o.runs, async () => {
    const s = await startAgent({ QB_AGENT_CARDINALITY_LIMIT: String(series + 10), QB_AGENT_HOST_METRICS: 'false' });
    try {
      return { mib: await growth(s, series) };
    } finally {
      await s.stop();
    }
  });
  const peer = await medianOf(o.runs, async () => {
    const s = await startReference('prom-client');
    try {
      return { mib: await growth(s, series) };
    } finally {
      await s.stop();
    }
  });
  rows.push({ workload: 'W6', case: `${series / 1000}k counter series`, metric: 'RSS MiB per 10k active series', agent: agent.mib, peer: peer.mib, peerName: 'prom-client reference', better: 'lower' });
  notes.push(
    `W6: a fresh server pinned to CPU 1, scraped once, RSS read; then ${series} counter series created through POST /v1/events (work_session, 3 series per task type), scraped once more, RSS read after 1 s; the growth scaled to 10k series. RSS includes the V8 heap's slack, so small runs are coarse.`,
  );
};
