/**
 * Benchmark runner: `npm run bench [-- --quick] [--runs N] [--only W1,W2] [--idle-seconds S] [--load-seconds S] [--out FILE] [--json FILE]`.
 * Re-executes itself pinned to CPU 0 (the load generator); servers under test
 * run pinned to CPU 1. Writes docs/benchmarks.md (or --out) and, with --json,
 * the raw rows. Needs the built agent (npm run build).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LOAD_CPU, ROOT, type BenchOptions, type Row, type Workload } from './lib/context.ts';
import { describeMachine, renderMarkdown, type Report } from './lib/report.ts';
import { w1Ingest } from './workloads/w1-ingest.ts';
import { w2Scrape } from './workloads/w2-scrape.ts';
import { w3Otlp } from './workloads/w3-otlp.ts';
import { w4Host } from './workloads/w4-host.ts';
import { w5Idle } from './workloads/w5-idle.ts';
import { w6Memory } from './workloads/w6-memory.ts';

if (process.env.QB_BENCH_PINNED !== '1') {
  const r = spawnSync('taskset', ['-c', String(LOAD_CPU), process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, QB_BENCH_PINNED: '1' },
  });
  process.exit(r.status ?? 1);
}

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    only: { type: 'string' },
    'idle-seconds': { type: 'string' },
    'load-seconds': { type: 'string' },
    out: { type: 'string' },
    json: { type: 'string' },
    conditions: { type: 'string', default: 'No other workload was declared for this run.' },
  },
});
const quick = values.quick!;
const options: BenchOptions = {
  quick,
  runs: Number(values.runs ?? (quick ? 1 : 3)),
  idleSeconds: Number(values['idle-seconds'] ?? (quick ? 6 : 600)),
  loadSeconds: Number(values['load-seconds'] ?? (quick ? 1 : 3)),
  only: new Set((values.only ?? 'W1,W2,W3,W4,W5,W6').split(',').map((s) => s.trim().toUpperCase())),
};
// Priority order of the issue: the scrape and ingest paths drive the fixes.
const WORKLOADS: Array<[string, Workload]> = [['W2', w2Scrape], ['W1', w1Ingest], ['W3', w3Otlp], ['W4', w4Host], ['W6', w6Memory], ['W5', w5Idle]];

if (!existsSync(join(ROOT, 'dist', 'cli.js'))) {
  process.stderr.write('bench: dist/cli.js is missing; run npm run build first\n');
  process.exit(2);
}

const started = Date.now();
const rows: Row[] = [];
const notes: string[] = [];
const machine = describeMachine();
for (const [name, run] of WORKLOADS) {
  if (!options.only.has(name)) continue;
  const t0 = Date.now();
  process.stderr.write(`bench: ${name}…\n`);
  try {
    await run(options, rows, notes);
  } catch (err) {
    notes.push(`${name} failed: ${err instanceof Error ? err.message : String(err)}`);
    process.stderr.write(`bench: ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
  process.stderr.write(`bench: ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
const report: Report = {
  machine,
  options,
  rows,
  notes,
  startedAt: new Date(started).toISOString(),
  seconds: (Date.now() - started) / 1000,
  loadEnd: loadavg(),
  conditions: values.conditions!,
};
const out = values.out ?? join(ROOT, 'docs', 'benchmarks.md');
writeFileSync(out, renderMarkdown(report));
if (values.json) writeFileSync(values.json, `${JSON.stringify({ ...report, options: { ...options, only: [...options.only] } }, null, 2)}\n`);
process.stderr.write(`bench: wrote ${out}\n`);
