/**
 * Query cost of the dashboards on a month of a fleet: `npm run bench:query-cost [-- --write]`.
 *
 * Opens a real Prometheus 3.5 on TSDB blocks written by bench/query-cost/gen
 * (30 days × 20 agents at a 15 s scrape, raw series and the carried series the
 * rules record; build it with `go build -o .cache/bin/qb-tsdb-gen ./bench/query-cost/gen`
 * and run it as the usage line below says), then times every panel query of
 * the four dashboards over a 30-day range, as the committed dashboards have
 * them (new) and as they were before the carried series (old, from git), plus
 * the `last_over_time()` construction the carried series replace and one
 * evaluation of the carried rules. Median of --runs, with the samples each
 * query read (Prometheus' own stats). --write puts the table into
 * docs/provisioning.md between its query-cost markers.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { ROOT, SERVER_CPU, tool } from './lib/context.ts';
import { freePort, spawnPinned, waitForHttp } from './lib/proc.ts';
import { median } from './lib/stats.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: join(ROOT, '.cache', 'query-cost', 'data') },
    end: { type: 'string' },
    runs: { type: 'string', default: '3' },
    'old-ref': { type: 'string', default: 'main' },
    write: { type: 'boolean', default: false },
  },
});
const USAGE = 'usage: .cache/bin/qb-tsdb-gen -out .cache/query-cost/data -agents 20 -days 30 -end $(date +%s) && echo <that end> > .cache/query-cost/end';
const end = Number(values.end ?? readFileSync(join(ROOT, '.cache', 'query-cost', 'end'), 'utf8').trim());
if (!Number.isFinite(end)) throw new Error(USAGE);
const runs = Number(values.runs);
const RANGE = '30d';
const RANGE_S = 30 * 86400;
/** What Grafana substitutes on a 30-day range (about 1000 points: a 1 h step, so $__rate_interval is a step plus a scrape). */
const VARS: Record<string, string> = { $__rate_interval: '1h15s', $__range: RANGE, $__interval: '1h', $job: '.*', $instance: '.*', $agent: '.*' };

interface Target {
  readonly expr: string;
  readonly instant: boolean;
  readonly interval?: string;
}
interface Panel {
  readonly title?: string;
  readonly targets?: Array<{ expr?: string; refId?: string; instant?: boolean; range?: boolean; interval?: string }>;
  readonly panels?: Panel[];
}
const DASHBOARDS = ['executive-summary', 'financial-analytics', 'quality-analytics', 'operations'];

function dashboardTargets(json: string): Map<string, Target> {
  const out = new Map<string, Target>();
  const panels = (JSON.parse(json) as { panels: Panel[] }).panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  for (const p of panels) {
    for (const t of p.targets ?? []) {
      if (!t.expr) continue;
      let expr = t.expr;
      for (const [k, v] of Object.entries(VARS)) expr = expr.replaceAll(k, v);
      out.set(`${p.title} / ${t.refId}`, { expr, instant: t.instant === true, interval: t.interval });
    }
  }
  return out;
}

const seconds = (d: string) => Number(/^(\d+)([smhd])$/.exec(d)![1]) * { s: 1, m: 60, h: 3600, d: 86400 }[/^(\d+)([smhd])$/.exec(d)![2] as 's']!;

interface Timing {
  ms: number;
  samples: number;
  error?: string;
}

async function time(url: string, target: Target): Promise<Timing> {
  const step = Math.max(3600, target.interval ? seconds(target.interval) : 0);
  const params = target.instant
    ? new URLSearchParams({ query: target.expr, time: String(end), stats: 'all' })
    : new URLSearchParams({ query: target.expr, start: String(end - RANGE_S), end: String(end), step: String(step), stats: 'all' });
  const path = target.instant ? 'query' : 'query_range';
  const results: Timing[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const res = await fetch(`${url}/api/v1/${path}`, { method: 'POST', body: params });
    const body = (await res.json()) as { status: string; error?: string; data?: { stats?: { samples?: { totalQueryableSamples?: number } } } };
    const ms = performance.now() - started;
    if (body.status !== 'success') return { ms, samples: 0, error: body.error };
    results.push({ ms, samples: body.data?.stats?.samples?.totalQueryableSamples ?? 0 });
  }
  return { ms: median(results.map((r) => r.ms)), samples: results[0]!.samples };
}

const prometheus = tool('prometheus');
if (!prometheus) throw new Error('prometheus 3.5 missing: scripts/provision-tools.sh prometheus');
const dir = mkdtempSync(join(tmpdir(), 'qb-query-cost-'));
writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\n');
const port = await freePort();
// max-block-duration=1d: keep the generator's day blocks as they are, so no compaction runs during the timings.
const prom = spawnPinned(SERVER_CPU, prometheus, [
  `--config.file=${join(dir, 'prometheus.yml')}`,
  `--storage.tsdb.path=${values.data}`,
  '--storage.tsdb.retention.time=3650d',
  '--storage.tsdb.max-block-duration=1d',
  `--web.listen-address=127.0.0.1:${port}`,
  '--log.level=warn',
]);
const url = `http://127.0.0.1:${port}`;
const rows: string[] = [];
try {
  await waitForHttp(`${url}/-/ready`, 120_000, prom);
  const version = ((await (await fetch(`${url}/api/v1/status/buildinfo`)).json()) as { data: { version: string } }).data.version;
  const series = ((await (await fetch(`${url}/api/v1/query?query=count({__name__=~".%2B"})&time=${end}`)).json()) as { data: { result: Array<{ value: [number, string] }> } }).data.result[0]?.value[1];
  const oldRef = values['old-ref']!;
  const base = execFileSync('git', ['merge-base', 'HEAD', oldRef], { cwd: ROOT, encoding: 'utf8' }).trim();
  rows.push(
    `Prometheus ${version}, ${series} series, 30 days × 20 agents at a 15 s interval ending ${new Date(end * 1000).toISOString()}; median of ${runs} runs of each query over HTTP, pinned to one core. "Old": the dashboards at ${base.slice(0, 10)} (before the carried series), "new": the committed ones. Samples: Prometheus' totalQueryableSamples.`,
    '',
    '| dashboard | panel / query | old ms | old samples | new ms | new samples |',
    '|---|---|---:|---:|---:|---:|',
  );
  let slowest = 0;
  for (const d of DASHBOARDS) {
    const file = `grafana/dashboards/${d}.json`;
    const now = dashboardTargets(readFileSync(join(ROOT, file), 'utf8'));
    const old = dashboardTargets(execFileSync('git', ['show', `${base}:${file}`], { cwd: ROOT, encoding: 'utf8' }));
    for (const [key, target] of now) {
      const n = await time(url, target);
      const o = old.has(key) ? await time(url, old.get(key)!) : undefined;
      slowest = Math.max(slowest, n.ms);
      const cell = (t: Timing | undefined, what: 'ms' | 'samples') => (t === undefined ? '–' : t.error ? `error: ${t.error.slice(0, 60)}` : what === 'ms' ? t.ms.toFixed(0) : t.samples.toLocaleString('en'));
      rows.push(`| ${d} | ${key} | ${cell(o, 'ms')} | ${cell(o, 'samples')} | ${cell(n, 'ms')} | ${cell(n, 'samples')} |`);
      process.stderr.write('.');
    }
  }
  // The construction the carried series replace: every agent's last value read with last_over_time over the range.
  const lastOverTime = (r: string) =>
    `sum by (currency) (max by (service_instance_id, currency, quality_grade) (last_over_time(quality_billing_invoice_amount_cents_total[${r}]))) - sum by (currency) (max by (service_instance_id, currency, quality_grade) (last_over_time(quality_billing_invoice_amount_cents_total[${r}] offset ${RANGE})))`;
  const lot = await time(url, { expr: lastOverTime(RANGE), instant: true });
  // One evaluation of the carried rules (every rule of the group, at the end of the data).
  const rules = (parse(readFileSync(join(ROOT, 'prometheus', 'rules', 'quality-billing.rules.yml'), 'utf8')) as { groups: Array<{ name: string; rules: Array<{ expr: string }> }> }).groups.find((g) => g.name === 'quality-billing.carried')!.rules;
  let evalMs = 0;
  let evalSamples = 0;
  for (const r of rules) {
    const t = await time(url, { expr: r.expr, instant: true });
    evalMs += t.ms;
    evalSamples += t.samples;
  }
  const resetsOnCarried = await time(url, { expr: `sum(resets(service_instance_id:quality_billing_invoice_amount_cents_total:carried[${RANGE}]))`, instant: true });
  rows.push(
    '',
    `Slowest new panel query: ${slowest.toFixed(0)} ms.`,
    `Revenue in range with \`last_over_time(...[30d])\` at both ends instead of the carried series: ${lot.error ? `error: ${lot.error}` : `${lot.ms.toFixed(0)} ms, ${lot.samples.toLocaleString('en')} samples`}.`,
    `One evaluation of the ${rules.length} carried rules (\`last_over_time(<record>[1h])\` each): ${evalMs.toFixed(0)} ms, ${evalSamples.toLocaleString('en')} samples, every evaluation interval.`,
    `"Counter resets in range" reads one series per agent; \`resets()\` over the carried invoice amount series instead: ${resetsOnCarried.ms.toFixed(0)} ms, ${resetsOnCarried.samples.toLocaleString('en')} samples.`,
  );
} finally {
  await prom.stop();
  rmSync(dir, { recursive: true, force: true });
}
const table = rows.join('\n');
process.stdout.write(`\n${table}\n`);
if (values.write) {
  const docs = join(ROOT, 'docs', 'provisioning.md');
  const text = readFileSync(docs, 'utf8');
  const begin = '<!-- query-cost:begin (npm run bench:query-cost -- --write) -->';
  const stop = '<!-- query-cost:end -->';
  const [before, rest] = text.split(begin);
  if (rest === undefined) throw new Error(`docs/provisioning.md has no ${begin} marker`);
  writeFileSync(docs, `${before}${begin}\n${table}\n${stop}${rest.split(stop)[1] ?? ''}`);
}
