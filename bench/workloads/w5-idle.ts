import { setTimeout as sleep } from 'node:timers/promises';
import { cpuMs, freePort, rssBytes, spawnPinned, waitForHttp, type Pinned } from '../lib/proc.ts';
import { SERVER_CPU, startAgent, timedGet, tool, type Workload } from '../lib/context.ts';

/** W5: idle CPU % of one core and RSS, with a scrape every interval (host metrics collected each time). */
export const w5Idle: Workload = async (o, rows, notes) => {
  const every = o.quick ? 2 : 15;
  const targets: Array<{ name: string; pid: number; url: string; stop: () => Promise<void> }> = [];
  const agent = await startAgent({ QB_AGENT_HOST_METRICS: 'true' });
  targets.push({ name: 'agent', pid: agent.proc.pid, url: `${agent.url}/metrics`, stop: () => agent.stop() });
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
    const rss = targets.map((t) => rssBytes(t.pid) / 1024 / 1024);
    for (let i = 1; i < targets.length; i++) {
      rows.push({
        workload: 'W5', case: `idle ${o.idleSeconds} s, scraped every ${every} s`, metric: 'CPU % of one core', agent: cpuPct[0]!, peer: cpuPct[i], peerName: targets[i]!.name, better: 'lower',
        ...(i === 1 ? { target: { text: '≤ 0.5 %', met: cpuPct[0]! <= 0.5 } } : {}),
      });
      rows.push({
        workload: 'W5', case: `idle ${o.idleSeconds} s, scraped every ${every} s`, metric: 'RSS MiB', agent: rss[0]!, peer: rss[i], peerName: targets[i]!.name, better: 'lower',
        ...(i === 1 ? { target: { text: '≤ 70 MiB', met: rss[0]! <= 70 } } : {}),
      });
    }
    if (targets.length === 1) {
      rows.push({ workload: 'W5', case: `idle ${o.idleSeconds} s`, metric: 'CPU % of one core', agent: cpuPct[0]!, peer: undefined, peerName: '(peers not provisioned)', better: 'lower', target: { text: '≤ 0.5 %', met: cpuPct[0]! <= 0.5 } });
      rows.push({ workload: 'W5', case: `idle ${o.idleSeconds} s`, metric: 'RSS MiB', agent: rss[0]!, peer: undefined, peerName: '(peers not provisioned)', better: 'lower', target: { text: '≤ 70 MiB', met: rss[0]! <= 70 } });
    }
  } finally {
    for (const t of targets) await t.stop();
  }
  notes.push(
    `W5: the agent (default config: host metrics on, OTLP off), node_exporter (default collectors) and Pushgateway (empty) run side by side pinned to CPU 1, each scraped every ${every} s for ${o.idleSeconds} s (--idle-seconds; 600 in the issue). CPU % = CPU time / wall time from /proc/<pid>/stat; RSS = VmRSS at the end. One run: an idle figure is already an average over the whole window.`,
  );
};
