/**
 * Ingest throughput with the journal on and off, and SIGKILL trials; writes
 * the figures into docs/reliability.md between the BENCH markers.
 *
 *   npm run bench:reliability        (builds nothing: run `npm run build` first)
 *
 * Loopback only, bounded: 18 throughput runs of DURATION_S seconds each plus
 * KILL_TRIALS kill trials of about 2 s each.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { spawnAgent } from '../test/support/agent-process.ts';
import { killTrial, makeBatches, postBatch, readTotals, totalsOf, WATCHED } from '../test/support/crash-harness.ts';

const DURATION_S = 4;
const CONNECTIONS = 16;
const BATCH_SIZES = [1, 100, 1000] as const;
const KILL_TRIALS = 6;
/** Off/on pairs per batch size, interleaved: on a shared machine one pair is noise; the table shows medians. */
const ROUNDS = 3;
const DOC = new URL('../docs/reliability.md', import.meta.url);

interface Run {
  readonly batch: number;
  readonly journal: boolean;
  readonly eventsPerSec: number;
  readonly p99Ms: number;
  readonly non2xx: number;
}

function body(batch: number, seq: number): string {
  const events = [];
  for (let i = 0; i < batch; i++) {
    events.push({ type: 'invoice', id: `b${seq}-${i}`, amount_cents: 1000 + (i % 97), currency: 'EUR', quality_grade: 'A', billed_hours: 1 });
  }
  return JSON.stringify({ events });
}

async function throughput(batch: number, journal: boolean): Promise<Run> {
  const stateDir = mkdtempSync(join(tmpdir(), 'qb-bench-'));
  const agent = await spawnAgent({ args: ['--host.enabled', 'false', '--state.dir', journal ? stateDir : '', '--log.level', 'info', '--ingest.maxInFlight', '1000'] });
  try {
    // Pre-built bodies with unique ids, so every event is accepted (no duplicates) and the loader stays cheap.
    const pool = Array.from({ length: batch === 1000 ? 400 : 4000 }, (_, i) => body(batch, i));
    let next = 0;
    let prefix = 0;
    const result = await autocannon({
      url: `${agent.url}/v1/events`,
      connections: CONNECTIONS,
      duration: DURATION_S,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          setupRequest: (req) => {
            if (next === pool.length) {
              next = 0;
              prefix++;
            }
            const b = pool[next++]!;
            return { ...req, body: prefix === 0 ? b : b.replaceAll('"id":"b', `"id":"r${prefix}-b`) };
          },
        },
      ],
    });
    return { batch, journal, eventsPerSec: Math.round((result['2xx'] * batch) / DURATION_S), p99Ms: result.latency.p99, non2xx: result.non2xx };
  } finally {
    await agent.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function killTrials() {
  const rows = [];
  for (let t = 0; t < KILL_TRIALS; t++) {
    const stateDir = mkdtempSync(join(tmpdir(), 'qb-kill-'));
    const killAfterMs = 100 + Math.floor(Math.random() * 1600);
    const batches = makeBatches(`bench${t}`, 30000, 12);
    const { trial, agent } = await killTrial({ stateDir, kill: { afterMs: killAfterMs }, batches, concurrency: 6, extraArgs: ['--state.snapshotIntervalSec', '1'] });
    try {
      const acked = totalsOf(trial.acked);
      const inFlight = totalsOf(trial.inFlight);
      // Lost: acknowledged value missing after restart; doubled: more than acknowledged + in flight.
      const lost = WATCHED.reduce((n, _w, i) => n + Math.max(0, acked[i]! - trial.restored[i]!), 0);
      const doubled = WATCHED.reduce((n, _w, i) => n + Math.max(0, trial.restored[i]! - acked[i]! - inFlight[i]!), 0);
      for (const b of trial.inFlight) await postBatch(agent.url, b);
      const exact = JSON.stringify(await readTotals(agent)) === JSON.stringify(totalsOf(trial.sent));
      rows.push({ killAfterMs, ackedEvents: trial.acked.length * 12, inFlightEvents: trial.inFlight.length * 12, lost, doubled, exactAfterResend: exact });
    } finally {
      await agent.stop();
      rmSync(stateDir, { recursive: true, force: true });
    }
  }
  return rows;
}

const runs: Run[] = [];
for (let round = 0; round < ROUNDS; round++) {
  for (const batch of BATCH_SIZES) {
    for (const journal of [false, true]) {
      const run = await throughput(batch, journal);
      runs.push(run);
      console.log(`round ${round + 1} batch ${batch} journal ${journal ? 'on ' : 'off'}: ${run.eventsPerSec} events/s, p99 ${run.p99Ms} ms, non-2xx ${run.non2xx}`);
    }
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const of = (batch: number, journal: boolean) => runs.filter((r) => r.batch === batch && r.journal === journal);
const kills = await killTrials();
for (const k of kills) console.log(`kill at ${k.killAfterMs} ms: acked ${k.ackedEvents}, in flight ${k.inFlightEvents}, lost ${k.lost}, doubled ${k.doubled}, exact after resend ${k.exactAfterResend}`);

const lines = [
  `Measured ${new Date().toISOString().slice(0, 10)} on this machine (${process.platform}, Node ${process.versions.node}, ${availableParallelism()} CPUs, load average ${loadavg()[0]!.toFixed(1)} at the end), loopback, autocannon ${CONNECTIONS} connections, ${DURATION_S} s per run, invoice events with unique ids; ${ROUNDS} interleaved off/on pairs per batch size, medians (on / off is the median of the pairs' ratios; the range shows the spread).`,
  '',
  '| batch size | journal off (events/s) | journal on (events/s) | on / off (range) | p99 off (ms) | p99 on (ms) |',
  '|---:|---:|---:|---:|---:|---:|',
  ...BATCH_SIZES.map((batch) => {
    const off = of(batch, false);
    const on = of(batch, true);
    const ratios = off.map((o, i) => Math.round((on[i]!.eventsPerSec / o.eventsPerSec) * 100));
    const pct = `${median(ratios)} % (${Math.min(...ratios)}-${Math.max(...ratios)})`;
    return `| ${batch} | ${median(off.map((r) => r.eventsPerSec))} | ${median(on.map((r) => r.eventsPerSec))} | ${pct} | ${median(off.map((r) => r.p99Ms))} | ${median(on.map((r) => r.p99Ms))} |`;
  }),
  '',
  `Kill trials (SIGKILL at a random point of a 6-sender load, snapshots every second, restart on the same state dir):`,
  '',
  '| kill after (ms) | events acknowledged | events in flight | acknowledged lost | double-counted | exact after resending unacknowledged |',
  '|---:|---:|---:|---:|---:|---|',
  ...kills.map((k) => `| ${k.killAfterMs} | ${k.ackedEvents} | ${k.inFlightEvents} | ${k.lost} | ${k.doubled} | ${k.exactAfterResend ? 'yes' : 'NO'} |`),
  '',
  `Total: ${kills.length} kill points, ${kills.reduce((n, k) => n + k.ackedEvents, 0)} events acknowledged, ${kills.reduce((n, k) => n + k.lost, 0)} lost.`,
];
const doc = readFileSync(DOC, 'utf8');
const start = '<!-- BENCH:START -->';
const end = '<!-- BENCH:END -->';
writeFileSync(DOC, `${doc.slice(0, doc.indexOf(start) + start.length)}\n${lines.join('\n')}\n${doc.slice(doc.indexOf(end))}`);
console.log(`wrote ${DOC.pathname}`);
