/**
 * Cost of one durable-state snapshot with the dedupe store holding N ids:
 * time to write it, the longest event-loop block while it is written
 * (monitorEventLoopDelay), peak RSS, file size, and the time to restore it.
 *
 *   npm run bench:snapshot [-- N ...]     (default: 100000 1000000)
 *
 * Each N runs in a fresh child process so peak RSS (getrusage maxrss) is its own.
 * Ids are ~100 characters, as a client's UUID-plus-context ids tend to be.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createTestAgent } from '../test/support/in-process-agent.ts';

const SELF = fileURLToPath(import.meta.url);
const MiB = 1024 * 1024;

interface Result {
  readonly n: number;
  readonly writeMs: number;
  readonly maxBlockMs: number;
  readonly rssAfterFillMiB: number;
  readonly peakRssMiB: number;
  readonly fileMiB: number;
  readonly restoreMs: number;
  readonly restorePeakRssMiB: number;
  readonly restoredIds: number;
}

const id = (i: number) => `order-2026-11-24-${String(i).padStart(10, '0')}-${'c0ffee42'.repeat(9)}`.slice(0, 100);
const maxRssMiB = () => process.resourceUsage().maxRSS / 1024;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

async function writeChild(n: number, dir: string): Promise<Omit<Result, 'restoreMs' | 'restorePeakRssMiB' | 'restoredIds'>> {
  const t = createTestAgent(['--state.dir', dir, '--ingest.dedupeMaxIds', String(n), '--ingest.dedupeWindowSec', '86400']);
  const state = t.agent.state!;
  t.agent.restoreState();
  // One real record, so the snapshot has something applied to cover.
  await t.post([{ id: 'first', type: 'invoice', amount_cents: 1, currency: 'EUR', quality_grade: 'A', billed_hours: 1 }]);
  const dedupe = t.agent.business.dedupe;
  const fp = 'l2JFBWCUdrKZ7oZ4B0ACnoRwxW8='; // a SHA-1 in base64, as fingerprint() returns
  const at = Date.parse('2026-11-24T10:00:00Z');
  for (let i = 0; dedupe.size < n; i++) dedupe.remember(id(i), fp, at);
  gc();
  const rssAfterFill = process.memoryUsage().rss / MiB;

  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const started = performance.now();
  await state.snapshot();
  const writeMs = performance.now() - started;
  h.disable();
  const peak = maxRssMiB();
  const snap = readdirSync(dir).find((f) => f.startsWith('snapshot-'));
  if (!snap || state.stats().snapshotFailures > 0) throw new Error(`snapshot failed: ${JSON.stringify(state.stats())}`);
  return {
    n,
    writeMs,
    maxBlockMs: h.max / 1e6,
    rssAfterFillMiB: rssAfterFill,
    peakRssMiB: peak,
    fileMiB: statSync(join(dir, snap)).size / MiB,
  };
}

function restoreChild(n: number, dir: string): Pick<Result, 'restoreMs' | 'restorePeakRssMiB' | 'restoredIds'> {
  const t = createTestAgent(['--state.dir', dir, '--ingest.dedupeMaxIds', String(n), '--ingest.dedupeWindowSec', '86400']);
  const started = performance.now();
  t.agent.restoreState();
  const restoreMs = performance.now() - started;
  return { restoreMs, restorePeakRssMiB: maxRssMiB(), restoredIds: t.agent.business.dedupe.size };
}

function runChild(mode: 'write' | 'restore', n: number, dir: string): Record<string, number> {
  const r = spawnSync(process.execPath, ['--expose-gc', '--disable-warning=ExperimentalWarning', SELF, `--${mode}`, String(n), dir], { encoding: 'utf8', maxBuffer: 16 * MiB });
  if (r.status !== 0) throw new Error(`${mode} ${n} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
}

const [mode, nArg, dirArg] = process.argv.slice(2);
if (mode === '--write') {
  const out = await writeChild(Number(nArg), dirArg!);
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exit(0); // the test agent's timers and handles are not worth a clean shutdown here
} else if (mode === '--restore') {
  process.stdout.write(`${JSON.stringify(restoreChild(Number(nArg), dirArg!))}\n`);
  process.exit(0);
} else {
  const sizes = process.argv.slice(2).map(Number);
  console.log(`Node ${process.version}; ids of 100 characters; one snapshot per N, each in a fresh process\n`);
  console.log('| N ids | snapshot file (MiB) | write (ms) | longest event-loop block (ms) | RSS after fill (MiB) | peak RSS (MiB) | restore (ms) | restore peak RSS (MiB) |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const n of sizes.length > 0 ? sizes : [100_000, 1_000_000]) {
    const dir = mkdtempSync(join(tmpdir(), 'qb-bench-snap-'));
    try {
      const w = runChild('write', n, dir) as unknown as Result;
      const r = runChild('restore', n, dir) as unknown as Result;
      if (r.restoredIds !== n) throw new Error(`restored ${r.restoredIds} ids of ${n}`);
      const f = (x: number) => x.toFixed(0);
      console.log(`| ${n.toLocaleString('en')} | ${w.fileMiB.toFixed(1)} | ${f(w.writeMs)} | ${f(w.maxBlockMs)} | ${f(w.rssAfterFillMiB)} | ${f(w.peakRssMiB)} | ${f(r.restoreMs)} | ${f(r.restorePeakRssMiB)} |`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
