import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type LoadOptions } from '../../src/config/load.ts';
import { runCli } from '../support/agent-process.ts';

/**
 * otlp.timeoutMs against otlp.intervalMs, every way each can be given. The
 * defaults are 10000 and 15000; an explicit setting wins over the other's
 * default, and only two explicit settings that conflict are an error.
 */
type Source = 'default' | 'file' | 'env' | 'flag';
const FILE = '/etc/qb/agent.yaml';
const SETTING = {
  timeout: { key: 'timeoutMs', env: 'OTEL_METRIC_EXPORT_TIMEOUT' },
  interval: { key: 'intervalMs', env: 'OTEL_METRIC_EXPORT_INTERVAL' },
} as const;

function given(setting: keyof typeof SETTING, source: Source, value: number) {
  const { key, env } = SETTING[setting];
  switch (source) {
    case 'default':
      return { argv: [], env: {}, file: {}, described: 'default' };
    case 'file':
      return { argv: [], env: {}, file: { [key]: value }, described: `file ${FILE}` };
    case 'env':
      return { argv: [], env: { [env]: String(value) }, file: {}, described: `env ${env}` };
    case 'flag':
      return { argv: [`--otlp.${key}`, String(value)], env: {}, file: {}, described: `flag --otlp.${key}` };
  }
}

function load(timeout: ReturnType<typeof given>, interval: ReturnType<typeof given>) {
  const file = { ...timeout.file, ...interval.file };
  const options: LoadOptions = {
    argv: [...(Object.keys(file).length > 0 ? ['--config', FILE] : []), ...timeout.argv, ...interval.argv],
    env: { ...timeout.env, ...interval.env },
    readFile: (path) => {
      expect(path).toBe(FILE);
      return JSON.stringify({ otlp: file });
    },
  };
  try {
    return { otlp: loadConfig(options).values.otlp };
  } catch (err) {
    if (err instanceof ConfigError) return { problems: err.problems };
    throw err;
  }
}

const SOURCES: readonly Source[] = ['default', 'file', 'env', 'flag'];
// Explicit values: a timeout below and one above the default interval; an interval below and one above every timeout.
const TIMEOUTS = [8000, 20000];
const INTERVALS = [5000, 25000];

const cases = SOURCES.flatMap((ts) =>
  (ts === 'default' ? [10000] : TIMEOUTS).flatMap((t) =>
    SOURCES.flatMap((is) => (is === 'default' ? [15000] : INTERVALS).map((i) => ({ ts, t, is, i }))),
  ),
);

/** What the agent must make of it, written out per kind of case. */
function expected({ ts, t, is, i }: (typeof cases)[number]) {
  const timeoutSet = ts !== 'default';
  const intervalSet = is !== 'default';
  if (!timeoutSet && !intervalSet) return { otlp: { timeoutMs: 10000, intervalMs: 15000 } };
  if (!timeoutSet) return { otlp: { timeoutMs: i === 5000 ? 5000 : 10000, intervalMs: i } }; // follows an interval below 10000
  if (!intervalSet) return { otlp: { timeoutMs: t, intervalMs: t === 20000 ? 20000 : 15000 } }; // the interval rises to a timeout above 15000
  if (t <= i) return { otlp: { timeoutMs: t, intervalMs: i } };
  return {
    problems: [
      `otlp.timeoutMs: ${t} (from ${given('timeout', ts, t).described}) must not exceed otlp.intervalMs: ${i} (from ${given('interval', is, i).described}); one push may not outlast the interval between pushes`,
    ],
  };
}

describe('otlp.timeoutMs and otlp.intervalMs', () => {
  it('covers every source of each, with the interval below and above the timeout', () => {
    expect(cases).toHaveLength(7 * 7);
    expect(cases.filter((c) => 'problems' in expected(c))).toHaveLength(3 * 3 * 2);
  });

  it.each(cases)('timeout $t from $ts, interval $i from $is', (c) => {
    const result = load(given('timeout', c.ts, c.t), given('interval', c.is, c.i));
    const want = expected(c);
    if ('problems' in want) expect(result).toEqual(want);
    else expect(result.otlp).toMatchObject(want.otlp);
  });

  it('OTEL_METRIC_EXPORT_INTERVAL=5000 alone starts the agent with a 5000 ms timeout', async () => {
    const { code, stdout, stderr } = await runCli(['check-config'], { OTEL_METRIC_EXPORT_INTERVAL: '5000' });
    expect(stderr).toBe('qb-agent: configuration is valid\n');
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { otlp: unknown }).otlp).toMatchObject({ intervalMs: 5000, timeoutMs: 5000 });
  });
});
