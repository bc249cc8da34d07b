import { describe, expect, it } from 'vitest';
import { CATALOGUE, prometheusName, type MetricSpec } from '../../src/business/catalogue.ts';
import { prometheusMetricName } from '../../src/telemetry/prometheus-name.ts';

describe('the Prometheus naming rule', () => {
  it('sanitizes, prefixes, guards a leading digit and suffixes monotonic sums with _total once', () => {
    expect(prometheusMetricName('system.cpu.time', true)).toBe('system_cpu_time_total');
    expect(prometheusMetricName('system.memory.usage', false)).toBe('system_memory_usage');
    expect(prometheusMetricName('already_total', true)).toBe('already_total');
    expect(prometheusMetricName('a..b--c', false)).toBe('a_b_c');
    expect(prometheusMetricName('a\nb', false)).toBe('a_nb');
    expect(prometheusMetricName('9lives', true)).toBe('_9lives_total');
    expect(prometheusMetricName('requests', true, { prefix: 'app_' })).toBe('app_requests_total');
  });

  it('refuses names with nothing left to export, saying why', () => {
    const problems: string[] = [];
    const onInvalid = (p: string) => problems.push(p);
    expect(prometheusMetricName('', true, { onInvalid })).toBeUndefined();
    expect(prometheusMetricName('...', false, { onInvalid })).toBeUndefined();
    expect(problems).toEqual(['empty name', 'an invalid name: "_"']);
  });

  it('names the catalogue: counters end in _total, histograms and gauges keep their instrument name', () => {
    for (const spec of Object.values(CATALOGUE) as MetricSpec[]) {
      expect(prometheusName(spec), spec.name).toBe(spec.kind === 'counter' ? `${spec.name}_total` : spec.name);
    }
  });
});
