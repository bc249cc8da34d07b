import { setTimeout as sleep } from 'node:timers/promises';
import { cpuMs, freePort, rssBytes, rssSplit, spawnPinned, waitForHttp, type Pinned } from '../lib/proc.ts';
import { SERVER_CPU, startAgent, timedGet, tool, type Workload } from '../lib/context.ts';

const SEMI = '--max-semi-space-size=1';
const MiB = 1024 * 1024;

/**
 * W5: idle CPU % of one core and RSS, with a scrape every interval (host
 * metrics collected each time). RSS is also split into RssAnon (heap, stacks:
 * what the process costs) and RssFile (mapped binaries: ~50 MiB of it is the
 * node executable's own text, shared between node processes and reclaimable).
 * A second agent runs alongside with V8's young generation capped (SEMI) to
 * measure what that flag would change.
 */
export const w5Idle: Workload = async (o, rows, notes) => {
  const every = o.quick ? 2 : 15;
  const targets: Array<{ name: string; pid: number; url: string; stop: () => Promise<void> }> = [];
  const agent = await startAgent({ QB_AGENT_HOST_METRICS: 'true' });
  targets.push({ name: 'agent', pid: agent.proc.pid, url: `${agent.url}/metrics`, stop: () => agent.stop() });
  const semi = await startAgent({ QB_AGENT_HOST_METRICS: 'true', NODE_OPTIONS: SEMI });
  targets.push({ name: `agent ${SEMI}`, pid: semi.proc.pid, url: `${semi.url}/metrics`, stop: () => semi.stop() });
  const peers: Array<[string, string | undefined, (port: number) => string[], string]> = [
    ['node_exporter', tool('prometheus-node-exporter'), (p) => [`--web.listen-address=127.0.0.1:${p}`], '/metrics'],
    ['Pushgateway', tool('prometheus-pushgateway'), (p) => [`--web.listen-address=127.0.0.1:${p}`, '--persistence.file='], '/metrics'],
  ];
  const procs: Pinned[] = [];
  try {
    for (const [name, bin, args, path] of peers) {
      if (!bin) continue;
      const port = await freePort();
      const p = spawnPinned(SERVER_CPU, bin, args(port));
      procs.push(p);
      await waitForHttp(`http://127.0.0.1:${port}${path}`, 20_000, p);
      targets.push({ name, pid: p.pid, url: `http://127.0.0.1:${port}${path}`, stop: () => p.stop() });
    }
    for (const t of targets) await timedGet(t.url);
    await sleep(2000);
    const start = performance.now();
    const before = targets.map((t) => cpuMs(t.pid));
    while (performance.now() - start < o.idleSeconds * 1000) {
      for (const t of targets) await timedGet(t.url);
      await sleep(Math.min(every * 1000, Math.max(0, o.idleSeconds * 1000 - (performance.now() - start))));
    }
    const wall = performance.now() - start;
    const cpuPct = targets.map((t, i) => ((cpuMs(t.pid) - before[i]!) / wall) * 100);
    const rss = targets.map((t) => rssBytes(t.pid) / MiB);
    const split = targets.map((t) => rssSplit(t.pid));
    const idleCase = `idle ${o.idleSeconds} s, scraped every ${every} s`;
    for (let i = 2; i < targets.length; i++) {
      rows.push({ workload: 'W5', case: idleCase, metric: 'RssAnon MiB (heap, stacks)', agent: split[0]!.anon / MiB, peer: split[i]!.anon / MiB, peerName: targets[i]!.name, better: 'lower' });
      rows.push({ workload: 'W5', case: idleCase, metric: 'RssFile MiB (mapped binaries, shared)', agent: split[0]!.file / MiB, peer: split[i]!.file / MiB, peerName: targets[i]!.name, better: 'lower' });
    }
    // The semi-space variant against the default agent (peer = the default).
    rows.push({ workload: 'W5', case: idleCase, metric: `CPU % of one core, agent ${SEMI}`, agent: cpuPct[1]!, peer: cpuPct[0], peerName: 'agent (default flags)', better: 'lower' });
    rows.push({ workload: 'W5', case: idleCase, metric: `RSS MiB, agent ${SEMI}`, agent: rss[1]!, peer: rss[0], peerName: 'agent (default flags)', better: 'lower' });
    rows.push({ workload: 'W5', case: idleCase, metric: `RssAnon MiB, agent ${SEMI}`, agent: split[1]!.anon / MiB, peer: split[0]!.anon / MiB, peerName: 'agent (default flags)', better: 'lower' });
    for (let i = 2; i < targets.length; i++) {
      rows.push({
        workload: 'W5', case: `idle ${o.idleSeconds} s, scraped every ${every} s`, metric: 'CPU % of one core', agent: cpuPct[0]!, peer: cpuPct[i], peerName: targets[i]!.name, better: 'lower',
        ...(i === 2 ? { target: { text: '≤ 0.5 %', met: cpuPct[0]! <= 0.5 } } : {}),
      });
      rows.push({
        workload: 'W5', case: `idle ${o.idleSeconds} s, scraped every ${every} s`, metric: 'RSS MiB', agent: rss[0]!, peer: rss[i], peerName: targets[i]!.name, better: 'lower',
        ...(i === 2 ? { target: { text: '≤ 70 MiB', met: rss[0]! <= 70 } } : {}),
      });
    }
    if (targets.length === 2) {
      rows.push({ workload: 'W5', case: `idle ${o.idleSeconds} s`, metric: 'CPU % of one core', agent: cpuPct[0]!, peer: undefined, peerName: '(peers not provisioned)', better: 'lower', target: { text: '≤ 0.5 %', met: cpuPct[0]! <= 0.5 } });
      rows.push({ workload: 'W5', case: `idle ${o.idleSeconds} s`, metric: 'RSS MiB', agent: rss[0]!, peer: undefined, peerName: '(peers not provisioned)', better: 'lower', target: { text: '≤ 70 MiB', met: rss[0]! <= 70 } });
    }
  } finally {
    for (const t of targets) await t.stop();
  }
  notes.push(
    `W5: the agent (default config: host metrics on, OTLP off), node_exporter (default collectors) and Pushgateway (empty) run side by side pinned to CPU 1, each scraped every ${every} s for ${o.idleSeconds} s (--idle-seconds; 600 in the issue). A second agent with NODE_OPTIONS=${SEMI} runs alongside. CPU % = CPU time / wall time from /proc/<pid>/stat; RSS = VmRSS at the end, split into RssAnon and RssFile from /proc/<pid>/status (node_exporter and Pushgateway are static Go binaries: their RssFile is their own text). One run: an idle figure is already an average over the whole window.`,
  );
};
