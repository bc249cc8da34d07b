import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { counterSeriesBodies, histogramSeriesBodies, makeBodies } from '../lib/events.ts';
import { cpuMs, freePort, runJson, spawnPinned, waitForHttp } from '../lib/proc.ts';
import { median, medianOf } from '../lib/stats.ts';
import { postAll, ROOT, SERVER_CPU, startAgent, timedGet, tool, type Row, type Workload } from '../lib/context.ts';

interface RenderResult {
  bytes: number;
  gzipBytes: number;
  promBytes: number;
  agentMs: number;
  agentBlockMs: number;
  promMs: number;
  promBlockMs: number;
  upstreamScrapeMs: number;
  upstreamBlockMs: number;
  fastMs: number;
  collectMs: number;
}

const label = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));

/** W2: render time, bytes and event-loop block per scrape; HTTP scrape vs Pushgateway; ingest p99 while scraped. */
export const w2Scrape: Workload = async (o, rows, notes) => {
  const cases: Array<['counter' | 'histogram', number]> = o.quick
    ? [['counter', 1000], ['histogram', 1000]]
    : [['counter', 1000], ['counter', 10_000], ['counter', 100_000], ['histogram', 1000], ['histogram', 10_000]];
  for (const [kind, series] of cases) {
    const r = await medianOf(o.runs, () =>
      runJson<RenderResult & Record<string, number>>(SERVER_CPU, join(ROOT, 'bench', 'micro', 'render.ts'), ['--kind', kind, '--series', String(series), '--reps', o.quick ? '2' : '3'], 300_000),
    );
    const name = `${label(series)} ${kind} series`;
    const isTarget = kind === 'histogram' && series === 10_000;
    rows.push({
      workload: 'W2', case: name, metric: 'scrape render ms (collect + serialize)', agent: r.agentMs, peer: r.promMs, peerName: 'prom-client', better: 'lower',
      ...(isTarget ? { target: { text: 'ratio ≤ 1.0', met: r.agentMs / r.promMs <= 1 } } : {}),
    });
    rows.push({ workload: 'W2', case: name, metric: 'scrape render ms vs OpenTelemetry exporter serializer', agent: r.agentMs, peer: r.upstreamScrapeMs, peerName: 'OTel PrometheusSerializer', better: 'lower' });
    rows.push({
      workload: 'W2', case: name, metric: 'longest event-loop block ms', agent: r.agentBlockMs, peer: r.promBlockMs, peerName: 'prom-client', better: 'lower',
      ...(kind === 'counter' && series === 100_000 ? { target: { text: '≤ 50 ms', met: r.agentBlockMs <= 50 } } : {}),
    });
    rows.push({ workload: 'W2', case: name, metric: 'body bytes', agent: r.bytes, peer: r.promBytes, peerName: 'prom-client', better: 'lower' });
    rows.push({ workload: 'W2', case: name, metric: 'body bytes gzip (agent) vs identity', agent: r.gzipBytes, peer: r.bytes, peerName: 'agent identity', better: 'lower' });
  }
  notes.push(
    'W2 render: bench/micro/render.ts records the same series into an OpenTelemetry MeterProvider (the agent\'s PrometheusPull reader) and a prom-client Registry in one process pinned to CPU 1; "agent" is PrometheusPull.scrape() (collect + FastPrometheusSerializer, time-sliced), "OTel PrometheusSerializer" is collect + the upstream serializer, prom-client is `registry.metrics()`. Blocks are `monitorEventLoopDelay({resolution: 1}).max` around each. The agent\'s body is larger: every series carries `otel_scope_name`/`otel_scope_version` (the exporter\'s format, kept on purpose).',
  );
  await w2Http(o, rows, notes);
};

/** The real agent over HTTP with N counter series against Pushgateway holding the same text; then ingest p99 while scraped. */
async function w2Http(o: Parameters<Workload>[0], rows: Row[], notes: string[]): Promise<void> {
  const pgw = tool('prometheus-pushgateway');
  const cases: Array<['counter' | 'histogram', number]> = o.quick ? [['counter', 3000]] : [['counter', 10_000], ['counter', 100_000], ['histogram', 10_000]];
  for (const [kind, series] of cases) {
    const agent = await startAgent({ QB_AGENT_CARDINALITY_LIMIT: String(series + 10), QB_AGENT_HOST_METRICS: 'false' });
    const pgPort = await freePort();
    const pg = pgw ? spawnPinned(SERVER_CPU, pgw, [`--web.listen-address=127.0.0.1:${pgPort}`, '--persistence.file=']) : undefined;
    try {
      await postAll(agent.url, kind === 'counter' ? counterSeriesBodies(series) : histogramSeriesBodies(series));
      const exposition = (await timedGet(`${agent.url}/metrics`)).text;
      let pgUrl: string | undefined;
      if (pg) {
        pgUrl = `http://127.0.0.1:${pgPort}`;
        await waitForHttp(`${pgUrl}/-/ready`, 20_000, pg);
        // Pushgateway holds exactly the agent's exposition (target_info dropped: it is per-target, not pushed).
        const body = exposition.split('\n').filter((l) => !l.includes('target_info')).join('\n');
        const put = await fetch(`${pgUrl}/metrics/job/bench`, { method: 'PUT', body, headers: { 'content-type': 'text/plain; version=0.0.4' } });
        if (!put.ok) throw new Error(`Pushgateway PUT answered ${put.status}: ${await put.text()}`);
      }
      const name = `${label(series)} ${kind} series, HTTP`;
      const a = await medianOf(o.runs, async () => {
        const before = cpuMs(agent.proc.pid);
        const g = await timedGet(`${agent.url}/metrics`);
        return { ms: g.ms, bytes: g.bytes, cpu: cpuMs(agent.proc.pid) - before };
      });
      const z = await medianOf(o.runs, async () => {
        const g = await timedGet(`${agent.url}/metrics`, { 'accept-encoding': 'gzip' });
        return { ms: g.ms, bytes: g.bytes };
      });
      const p = pgUrl
        ? await medianOf(o.runs, async () => {
            const before = cpuMs(pg!.pid);
            const g = await timedGet(`${pgUrl}/metrics`);
            return { ms: g.ms, bytes: g.bytes, cpu: cpuMs(pg!.pid) - before };
          })
        : undefined;
      const pz = pgUrl ? await medianOf(o.runs, async () => timedGet(`${pgUrl}/metrics`, { 'accept-encoding': 'gzip' }).then((g) => ({ ms: g.ms, bytes: g.bytes }))) : undefined;
      rows.push({ workload: 'W2', case: name, metric: 'GET /metrics wall ms', agent: a.ms, peer: p?.ms, peerName: 'Pushgateway', better: 'lower' });
      rows.push({ workload: 'W2', case: name, metric: 'GET /metrics server CPU ms', agent: a.cpu, peer: p?.cpu, peerName: 'Pushgateway', better: 'lower' });
      rows.push({ workload: 'W2', case: name, metric: 'GET /metrics gzip wall ms', agent: z.ms, peer: pz?.ms, peerName: 'Pushgateway', better: 'lower' });
      rows.push({ workload: 'W2', case: name, metric: 'GET /metrics gzip bytes', agent: z.bytes, peer: pz?.bytes, peerName: 'Pushgateway', better: 'lower' });
      if (kind === 'counter' && series === (o.quick ? 3000 : 100_000)) await ingestP99UnderScrapes(o, agent.url, name, rows);
    } finally {
      await agent.stop();
      await pg?.stop();
    }
  }
  if (!pgw) notes.push('Pushgateway was not provisioned (scripts/provision-tools.sh prometheus-pushgateway): its columns are empty.');
  notes.push(
    'W2 HTTP: the built agent pinned to CPU 1 with business.cardinalityLimit raised, N series created through POST /v1/events (work_session events: 3 counter series per task type; api_request events: one histogram and one counter series per route), host metrics off. Pushgateway (Debian) is PUT exactly the agent\'s exposition and scraped the same way. CPU from /proc/<pid>/stat (10 ms ticks).',
  );
}

/** Ingest p99 with no scrapes, then with a scrape every `every` seconds, same load. */
async function ingestP99UnderScrapes(o: Parameters<Workload>[0], url: string, name: string, rows: Row[]): Promise<void> {
  const bodies = makeBodies(100, 100, 8);
  const duration = o.quick ? 3 : 15;
  const every = o.quick ? 1 : 5;
  const load = async () => {
    const result = await autocannon({
      url: `${url}/v1/events`,
      method: 'POST',
      connections: 2,
      duration,
      headers: { 'content-type': 'application/json' },
      requests: bodies.map((body) => ({ method: 'POST' as const, body })),
    });
    return { p99: result.latency.p99, non2xx: result.non2xx };
  };
  const quiet: number[] = [];
  const scraped: number[] = [];
  for (let i = 0; i < o.runs; i++) {
    quiet.push((await load()).p99);
    let scraping = true;
    const scraper = (async () => {
      while (scraping) {
        await fetch(`${url}/metrics`, { headers: { 'accept-encoding': 'gzip' } }).then((r) => r.arrayBuffer());
        await sleep(every * 1000);
      }
    })();
    scraped.push((await load()).p99);
    scraping = false;
    await scraper;
  }
  const q = median(quiet);
  const s = median(scraped);
  rows.push({
    workload: 'W2', case: `${name}, ingest batch 100 at 2 connections`, metric: `ingest p99 ms while scraped every ${every} s`, agent: s, peer: q, peerName: 'same agent, no scrapes', better: 'lower',
    target: { text: 'ratio ≤ 2', met: s / q <= 2 },
  });
}
