/**
 * The Prometheus naming rule of the exporter (@opentelemetry/exporter-prometheus
 * 0.301, ported line by line with its serializer): one home for it, used by
 * the serializer that writes /metrics, the metric catalogue and the docs
 * generator, so the names they state are the names /metrics has.
 */

const INVALID_CHARACTERS = /[^a-z0-9_]/gi;
const MULTIPLE_UNDERSCORES = /_{2,}/g;

/** Escapes backslashes and newlines, as the exposition format wants HELP text (and, upstream, names before sanitizing). */
export function escapeString(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Every character outside [a-zA-Z0-9_] becomes `_`, and runs of `_` collapse into one: names and label names alike. */
export function sanitizePrometheusName(name: string): string {
  return name.replace(INVALID_CHARACTERS, '_').replace(MULTIPLE_UNDERSCORES, '_');
}

export interface PrometheusNameOptions {
  /** Prepended, e.g. `myapp_`. */
  readonly prefix?: string;
  /** Told why a name cannot be exported (`empty name`, `an invalid name: "_"`). */
  readonly onInvalid?: (problem: string) => void;
}

/**
 * The name an instrument has on /metrics: sanitized, prefixed, `_` before a
 * leading digit, and `_total` after a monotonic sum's name unless it ends
 * with it. Undefined when nothing exportable is left of it.
 */
export function prometheusMetricName(name: string, monotonicSum: boolean, options: PrometheusNameOptions = {}): string | undefined {
  let out = sanitizePrometheusName(escapeString(name));
  if (options.prefix) out = `${options.prefix}${out}`;
  if (out === '') {
    options.onInvalid?.('empty name');
    return undefined;
  }
  if (out === '_') {
    options.onInvalid?.('an invalid name: "_"');
    return undefined;
  }
  if (out[0]! >= '0' && out[0]! <= '9') out = `_${out}`;
  if (monotonicSum && !out.endsWith('_total')) out = `${out}_total`;
  return out;
}
