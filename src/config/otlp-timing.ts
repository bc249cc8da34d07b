import { describeSource, type ValueSource } from './value-source.ts';

/**
 * One push may not outlast the interval between pushes (the SDK's periodic
 * reader refuses a timeout above the interval). A setting left at its default
 * yields to one set explicitly, from any source: OTEL_METRIC_EXPORT_INTERVAL=5000
 * alone gives a 5000 ms timeout, OTEL_METRIC_EXPORT_TIMEOUT=20000 alone a
 * 20000 ms interval. Only two explicit settings that conflict are an error.
 * Adjusts `otlp` in place; returns the problem, if any.
 */
export function reconcileOtlpTimings(
  otlp: { intervalMs: number; timeoutMs: number },
  sources: { readonly interval: ValueSource; readonly timeout: ValueSource },
): string | undefined {
  if (otlp.timeoutMs <= otlp.intervalMs) return undefined;
  const timeoutSet = sources.timeout.kind !== 'default';
  const intervalSet = sources.interval.kind !== 'default';
  if (!timeoutSet) {
    otlp.timeoutMs = otlp.intervalMs;
    return undefined;
  }
  if (!intervalSet) {
    otlp.intervalMs = otlp.timeoutMs;
    return undefined;
  }
  return (
    `otlp.timeoutMs: ${otlp.timeoutMs} (from ${describeSource(sources.timeout)}) must not exceed ` +
    `otlp.intervalMs: ${otlp.intervalMs} (from ${describeSource(sources.interval)}); one push may not outlast the interval between pushes`
  );
}
