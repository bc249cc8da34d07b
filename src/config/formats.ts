import { isIP } from 'node:net';

/**
 * Custom convict formats, one table (FORMATS) keyed by format name. Each
 * `validate` throws an Error whose message completes the sentence
 * "<key> <message>", so every config error reads the same way. A format whose
 * value is not the text it is written as (a list of pairs, of grades) parses
 * it in `coerce`, once, at load time; what it cannot parse it leaves as text
 * for `validate` to explain, and `show` writes the value back as text for
 * check-config and the status page.
 */
export interface Format<V> {
  validate(value: unknown): void;
  coerce?(value: unknown): unknown;
  show?(value: V): string;
}

export interface GradeThreshold {
  readonly grade: string;
  readonly min: number;
}

const HOSTNAME = /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

const hostFormat: Format<string> = {
  validate(value: unknown): void {
    if (typeof value !== 'string' || (isIP(value) === 0 && !HOSTNAME.test(value))) {
      throw new Error('must be an IP address or a host name');
    }
  },
};

const portFormat: Format<number> = {
  validate(value: unknown): void {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535) {
      throw new Error('must be an integer port number from 0 to 65535');
    }
  },
  coerce: (value: unknown): unknown => coerceInteger(value),
};

function positiveIntFormat(min: number, max: number): Format<number> {
  return {
    validate(value: unknown): void {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
        throw new Error(`must be an integer from ${min} to ${max}`);
      }
    },
    coerce: (value: unknown): unknown => coerceInteger(value),
  };
}

/** Strings from env and flags become numbers only when they are whole decimal numbers. */
function coerceInteger(value: unknown): unknown {
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  return value;
}

const booleanFormat: Format<boolean> = {
  validate(value: unknown): void {
    if (typeof value !== 'boolean') throw new Error('must be true or false');
  },
  coerce(value: unknown): unknown {
    if (value === 'true') return true;
    if (value === 'false') return false;
    return value;
  },
};

const urlOrEmptyFormat: Format<string> = {
  validate(value: unknown): void {
    if (value === '') return;
    if (typeof value !== 'string') throw new Error('must be an http(s) URL or empty');
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error('must be an http(s) URL or empty');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error('must be an http(s) URL or empty');
    }
  },
};

/** `key=value,key2=value2` as in OTEL_EXPORTER_OTLP_HEADERS (values percent-encoded), loaded as a record. */
const keyValueListFormat: Format<Readonly<Record<string, string>>> = {
  validate(value: unknown): void {
    if (typeof value === 'string') parseKeyValueList(value);
    if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) {
      throw new Error('must be a string of key=value pairs separated by commas');
    }
  },
  coerce: (value: unknown): unknown => parsedOr(value, parseKeyValueList),
  show: (pairs) =>
    Object.entries(pairs)
      .map(([k, v]) => `${k}=${v.replace(/[%,]|\s/g, encodeURIComponent)}`)
      .join(','),
};

export function parseKeyValueList(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const items = text.split(',');
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    // The message never quotes the item: OTLP headers hold credentials.
    if (eq <= 0) throw new Error(`must be key=value pairs separated by commas (pair ${i + 1} has no key before "=")`);
    const key = item.slice(0, eq).trim();
    const encoded = item.slice(eq + 1).trim();
    try {
      out[key] = decodeURIComponent(encoded);
    } catch {
      throw new Error(`has a badly percent-encoded value for "${key}"`);
    }
  }
  return out;
}

/** A comma-separated list in env/flags, an array in a file. */
const stringListFormat: Format<string[]> = {
  validate(value: unknown): void {
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
      throw new Error('must be a list of non-empty strings');
    }
  },
  coerce(value: unknown): unknown {
    if (typeof value === 'string') {
      return value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    }
    return value;
  },
};

/**
 * Grade thresholds as `A:90,B:80,C:70,D:0`: best grade first, strictly descending
 * minimum scores, the last one 0 so that every score in 0..100 gets a grade.
 * Loaded as the list of thresholds.
 */
const gradeThresholdsFormat: Format<readonly GradeThreshold[]> = {
  validate(value: unknown): void {
    if (typeof value === 'string') parseGradeThresholds(value);
    if (!Array.isArray(value)) throw new Error('must be a string like "A:90,B:80,C:70,D:0"');
  },
  coerce: (value: unknown): unknown => parsedOr(value, parseGradeThresholds),
  show: (thresholds) => thresholds.map((t) => `${t.grade}:${t.min}`).join(','),
};

export function parseGradeThresholds(text: string): GradeThreshold[] {
  const items = text.split(',').map((s) => s.trim());
  const out: GradeThreshold[] = [];
  for (const item of items) {
    const match = /^([A-Za-z0-9_+-]{1,16}):(\d+(?:\.\d+)?)$/.exec(item);
    if (!match) throw new Error(`must be grade:minScore pairs like "A:90,B:80,C:70,D:0" ("${item}" is not)`);
    const min = Number(match[2]);
    const previous = out.at(-1);
    if (min > 100) throw new Error(`has a minimum score above 100 for grade ${match[1]}`);
    if (previous && min >= previous.min) throw new Error('must list grades from the highest minimum score to the lowest');
    if (out.some((g) => g.grade === match[1])) throw new Error(`names grade ${match[1]} twice`);
    out.push({ grade: match[1] as string, min });
  }
  if (out.at(-1)?.min !== 0) throw new Error('must end with a grade whose minimum score is 0, so every score gets a grade');
  return out;
}

/** Text parsed once; text that does not parse stays text, for validate to say why. */
function parsedOr(value: unknown, parse: (text: string) => unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return parse(value);
  } catch {
    return value;
  }
}

/** The value of each custom format once loaded. */
export interface FormatValues {
  'listen-host': string;
  'tcp-port': number;
  'strict-boolean': boolean;
  'http-url-or-empty': string;
  'key-value-list': Readonly<Record<string, string>>;
  'string-list': string[];
  'grade-thresholds': readonly GradeThreshold[];
  'interval-ms': number;
  'body-bytes': number;
  'batch-size': number;
  'window-seconds': number;
  'id-count': number;
  cardinality: number;
  'in-flight': number;
}

export type FormatName = keyof FormatValues;

/** Every custom format by name; the schema refers to them by these names. */
export const FORMATS: { readonly [N in FormatName]: Format<FormatValues[N]> } = {
  'listen-host': hostFormat,
  'tcp-port': portFormat,
  'strict-boolean': booleanFormat,
  'http-url-or-empty': urlOrEmptyFormat,
  'key-value-list': keyValueListFormat,
  'string-list': stringListFormat,
  'grade-thresholds': gradeThresholdsFormat,
  'interval-ms': positiveIntFormat(100, 3_600_000),
  'body-bytes': positiveIntFormat(1024, 1_073_741_824),
  'batch-size': positiveIntFormat(1, 1_000_000),
  'window-seconds': positiveIntFormat(1, 31_536_000),
  // Dedupe ids: every id is held in one Map (V8 caps a Map near 16.7 million entries) and written to each
  // snapshot; 10 million ids of 100 characters are ~2 GiB of heap and ~1.3 GiB per snapshot file.
  'id-count': positiveIntFormat(1, 10_000_000),
  cardinality: positiveIntFormat(1, 1_000_000),
  'in-flight': positiveIntFormat(1, 100_000),
};
