import { parseArgs } from 'node:util';
import { parseGradeThresholds, type GradeThreshold } from '../config/formats.ts';
import { SCHEMA } from '../config/schema.ts';
import { SCENARIO_NAMES, type ScenarioName } from './scenario.ts';

export interface DemoOptions {
  readonly target: string;
  readonly rate: number;
  readonly durationSec: number;
  readonly seed: number;
  readonly scenario: ScenarioName;
  readonly token: string | undefined;
  readonly runId: string | undefined;
  readonly batchSize: number;
  readonly summaryJson: string | undefined;
  readonly waitSec: number;
  /** Must match the agent's business.gradeThresholds for the expected grades to be right. */
  readonly gradeThresholds: readonly GradeThreshold[];
  /** Must match the agent's business.activeUserWindowSec for the expected gauge to be right. */
  readonly activeUserWindowSec: number;
  readonly help: boolean;
}

export const DEMO_USAGE = `Usage: qb-agent demo --target URL [options]

Sends a realistic, reproducible stream of every business event type to an
agent's POST /v1/events, shows progress on stderr and prints a JSON summary
(events per type, and the exact values /metrics must show) on stdout.

  --target URL              agent base URL, e.g. http://127.0.0.1:9464 (required)
  --rate N                  events per second (default 20)
  --duration S              seconds to run, 0 = until Ctrl-C / SIGTERM (default 60)
  --seed N                  seed of the event stream: same seed, same events (default 1)
  --scenario NAME           normal | incident (default normal); incident degrades the
                            API and quality after 30 s so alerts fire
  --token T                 bearer token for the ingest API (default: env QB_DEMO_TOKEN)
  --run-id ID               prefix of event ids (default: random per run)
  --batch-size N            most events per request (default 500)
  --summary-json PATH       also write the JSON summary to PATH
  --wait S                  seconds to wait for the agent's /readyz (default 30)
  --grade-thresholds LIST   the agent's business.gradeThresholds (default ${SCHEMA.business.gradeThresholds.default})
  --active-user-window S    the agent's business.activeUserWindowSec (default ${SCHEMA.business.activeUserWindowSec.default})
`;

/** Parses `qb-agent demo` flags; throws a DemoUsageError listing every problem. */
export function parseDemoArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): DemoOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        target: { type: 'string' },
        rate: { type: 'string', default: '20' },
        duration: { type: 'string', default: '60' },
        seed: { type: 'string', default: '1' },
        scenario: { type: 'string', default: 'normal' },
        token: { type: 'string' },
        'run-id': { type: 'string' },
        'batch-size': { type: 'string', default: '500' },
        'summary-json': { type: 'string' },
        wait: { type: 'string', default: '30' },
        'grade-thresholds': { type: 'string', default: SCHEMA.business.gradeThresholds.default },
        'active-user-window': { type: 'string', default: String(SCHEMA.business.activeUserWindowSec.default) },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (err) {
    throw new DemoUsageError([(err as Error).message]);
  }
  const problems: string[] = [];
  const str = (name: string) => values[name] as string | undefined;
  const num = (name: string, min: number, max: number, integer: boolean): number => {
    const raw = str(name) ?? '';
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      problems.push(`--${name}: must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    }
    return n;
  };
  const help = values.help === true;
  const target = str('target');
  if (!help) {
    if (target === undefined) problems.push('--target: required, e.g. --target http://127.0.0.1:9464');
    else if (!/^https?:\/\/[^/]+/.test(target)) problems.push(`--target: must be an http(s) URL, got ${JSON.stringify(target)}`);
  }
  const rate = num('rate', 0.1, 100_000, false);
  const durationSec = num('duration', 0, 7 * 86_400, false);
  const seed = num('seed', 0, 2 ** 32 - 1, true);
  const batchSize = num('batch-size', 1, 10_000, true);
  const waitSec = num('wait', 0, 3600, false);
  const activeUserWindowSec = num('active-user-window', 1, 7 * 86_400, true);
  const scenario = str('scenario') as ScenarioName;
  if (!SCENARIO_NAMES.includes(scenario)) problems.push(`--scenario: must be one of ${SCENARIO_NAMES.join(', ')}, got ${JSON.stringify(scenario)}`);
  const runId = str('run-id');
  if (runId !== undefined && !/^[A-Za-z0-9_.:-]{1,64}$/.test(runId)) problems.push('--run-id: 1 to 64 characters of A-Z a-z 0-9 _ . : -');
  let gradeThresholds: GradeThreshold[] = [];
  try {
    gradeThresholds = parseGradeThresholds(str('grade-thresholds') ?? '');
  } catch (err) {
    problems.push(`--grade-thresholds: ${(err as Error).message}`);
  }
  if (problems.length > 0) throw new DemoUsageError(problems);
  return {
    target: target ?? '',
    rate,
    durationSec,
    seed,
    scenario,
    token: str('token') ?? (env.QB_DEMO_TOKEN || undefined),
    runId,
    batchSize,
    summaryJson: str('summary-json'),
    waitSec,
    gradeThresholds,
    activeUserWindowSec,
    help,
  };
}

export class DemoUsageError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'DemoUsageError';
    this.problems = problems;
  }
}
