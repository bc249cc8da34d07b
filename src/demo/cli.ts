import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { DEMO_USAGE, DemoUsageError, parseDemoArgs, type DemoOptions } from './args.ts';
import { EventGenerator } from './generator.ts';
import { createProgress } from './progress.ts';
import { runDemo } from './run.ts';
import { createScenario } from './scenario.ts';
import { Sender } from './sender.ts';
import { buildSummary, describeSummary } from './summary.ts';
import { Tally } from './tally.ts';
import { waitForReady } from './wait-ready.ts';

export interface DemoIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  /** Subscribes to stop requests (SIGINT/SIGTERM); returns the unsubscribe. */
  readonly onStopRequest: (handler: () => void) => () => void;
}

const EXIT_USAGE = 2;
const EXIT_FAILED = 1;

/** Stop requests from SIGINT and SIGTERM, the way `main` wires them. */
export function processStopRequests(handler: () => void): () => void {
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/**
 * `qb-agent demo`: waits for the agent, streams events, prints the summary.
 * Exit 0 when every planned event was confirmed (or the run was stopped on
 * request), 1 when the agent refused a batch or kept failing, 2 on bad flags.
 */
export async function demoCommand(argv: readonly string[], env: NodeJS.ProcessEnv, io: DemoIo): Promise<number> {
  let options: DemoOptions;
  try {
    options = parseDemoArgs(argv, env);
  } catch (err) {
    if (!(err instanceof DemoUsageError)) throw err;
    io.stderr.write(`qb-agent demo: ${err.problems.join('\n  ')}\n\n${DEMO_USAGE}`);
    return EXIT_USAGE;
  }
  if (options.help) {
    io.stdout.write(DEMO_USAGE);
    return 0;
  }

  const stop = new AbortController();
  const abort = new AbortController();
  const unsubscribe = io.onStopRequest(() => {
    if (stop.signal.aborted) abort.abort();
    else {
      io.stderr.write('\ndemo: stopping after the batch in flight (again to abandon it)\n');
      stop.abort();
    }
  });
  try {
    const notReady = await waitForReady(options.target, options.waitSec, stop.signal);
    if (notReady !== undefined) {
      io.stderr.write(`qb-agent demo: the agent is not ready: ${notReady}\n`);
      return EXIT_FAILED;
    }
    const runId = options.runId ?? `demo-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const tally = new Tally({ gradeThresholds: options.gradeThresholds, activeUserWindowSec: options.activeUserWindowSec });
    const sender = new Sender({ target: options.target, token: options.token });
    io.stderr.write(
      `demo: ${options.scenario} scenario, seed ${options.seed}, ${options.rate} events/s ${options.durationSec > 0 ? `for ${options.durationSec}s` : 'until stopped'} -> ${sender.url} (run ${runId})\n`,
    );
    const result = await runDemo({
      generator: new EventGenerator({
        seed: options.seed,
        runId,
        rate: options.rate,
        startMs: Date.now(),
        scenario: createScenario(options.scenario),
      }),
      sender,
      tally,
      progress: createProgress({ write: (t) => io.stderr.write(t), tty: io.stderr.isTTY === true, label: options.scenario }),
      rate: options.rate,
      durationSec: options.durationSec,
      batchSize: options.batchSize,
      stop: stop.signal,
      abort: abort.signal,
    });
    await sender.close();
    const summary = buildSummary(options, runId, result, tally.counts, tally.expected(Date.now()));
    const json = `${JSON.stringify(summary, null, 2)}\n`;
    io.stdout.write(json);
    if (options.summaryJson !== undefined) writeFileSync(options.summaryJson, json);
    io.stderr.write(describeSummary(summary));
    return result.error === undefined ? 0 : EXIT_FAILED;
  } finally {
    unsubscribe();
  }
}
