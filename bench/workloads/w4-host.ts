import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuMs, freePort, spawnPinned, waitForHttp } from '../lib/proc.ts';
import { SERVER_CPU, startAgent, timedGet, tool, type Workload } from '../lib/context.ts';

/** node_exporter limited to the collectors the agent has (cpu, memory, network, filesystem, disk I/O; process metrics are always on). */
const NODE_EXPORTER_ARGS = ['--collector.disable-defaults', '--collector.cpu', '--collector.meminfo', '--collector.netdev', '--collector.filesystem', '--collector.diskstats'];

/** execve calls made by pid and its descendants while `during` runs (strace -f -c). */
async function countExecve(pid: number, during: () => Promise<void>): Promise<number | undefined> {
  const out = join(tmpdir(), `qb-bench-strace-${process.pid}-${pid}.txt`);
  const strace = spawn('strace', ['-f', '-c', '-e', 'trace=execve,execveat', '-o', out, '-p', String(pid)], { stdio: 'ignore' });
  await sleep(500);
  if (strace.exitCode !== null) return undefined; // ptrace not permitted
  await during();
  const done = new Promise((r) => strace.on('exit', r));
  strace.kill('SIGINT');
  await done;
  try {
    const text = readFileSync(out, 'utf8');
    const line = text.split('\n').find((l) => /\sexecve(at)?$/.test(l.trim()));
    return line ? Number(line.trim().split(/\s+/)[3]) : 0;
  } finally {
    rmSync(out, { force: true });
  }
}

/** W4: CPU ms and child processes per host-metrics collection, agent vs node_exporter. */
export const w4Host: Workload = async (o, rows, notes) => {
  const scrapes = o.quick ? 5 : 30;
  const perScrape = async (pid: number, url: string) => {
    await timedGet(url); // warm
    const before = cpuMs(pid);
    for (let i = 0; i < scrapes; i++) await timedGet(url);
    return (cpuMs(pid) - before) / scrapes;
  };
  const agent = await startAgent({ QB_AGENT_HOST_METRICS: 'true' });
  let agentCpu: number;
  let agentExec: number | undefined;
  try {
    agentCpu = await perScrape(agent.proc.pid, `${agent.url}/metrics`);
    agentExec = await countExecve(agent.proc.pid, async () => {
      for (let i = 0; i < scrapes; i++) await timedGet(`${agent.url}/metrics`);
    });
  } finally {
    await agent.stop();
  }
  const bin = tool('prometheus-node-exporter');
  let neCpu: number | undefined;
  let neExec: number | undefined;
  if (bin) {
    const port = await freePort();
    const ne = spawnPinned(SERVER_CPU, bin, [`--web.listen-address=127.0.0.1:${port}`, ...NODE_EXPORTER_ARGS]);
    try {
      const url = `http://127.0.0.1:${port}/metrics`;
      await waitForHttp(url, 20_000, ne);
      neCpu = await perScrape(ne.pid, url);
      neExec = await countExecve(ne.pid, async () => {
        for (let i = 0; i < scrapes; i++) await timedGet(url);
      });
    } finally {
      await ne.stop();
    }
  }
  rows.push({
    workload: 'W4', case: 'cpu, memory, network, filesystem, disk I/O, process', metric: 'CPU ms per scrape (collection + render)', agent: agentCpu, peer: neCpu, peerName: 'node_exporter', better: 'lower',
    ...(neCpu !== undefined ? { target: { text: 'ratio ≤ 1.0', met: agentCpu / neCpu <= 1 } } : {}),
  });
  if (agentExec !== undefined) {
    rows.push({
      workload: 'W4', case: 'cpu, memory, network, filesystem, disk I/O, process', metric: `execve per collection (over ${scrapes})`, agent: agentExec / scrapes, peer: neExec === undefined ? undefined : neExec / scrapes, peerName: 'node_exporter', better: 'lower',
      target: { text: '0 child processes', met: agentExec === 0 },
    });
  } else {
    notes.push('W4: strace could not attach (ptrace not permitted here): execve counts are missing.');
  }
  notes.push(
    `W4: the agent (business metrics empty, OTLP off) and node_exporter \`${NODE_EXPORTER_ARGS.join(' ')}\`, each pinned to CPU 1 and scraped ${scrapes} times; CPU per scrape from /proc/<pid>/stat (10 ms ticks, so short runs are coarse). Child processes: \`strace -f -c -e trace=execve,execveat -p <pid>\` attached during another ${scrapes} scrapes.`,
  );
};
