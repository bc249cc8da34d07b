import { isIP } from 'node:net';

/**
 * Custom convict formats. Each `validate` throws an Error whose message completes
 * the sentence "<key> <message>", so every config error reads the same way.
 */

export interface GradeThreshold {
  readonly grade: string;
  readonly min: number;
}

const HOSTNAME = /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

export const hostFormat = {
  name: 'listen-host',
  validate(value: unknown): void {
    if (typeof value !== 'string' || (isIP(value) === 0 && !HOSTNAME.test(value))) {
      throw new Error('must be an IP address or a host name');
    }
  },
};

export const portFormat = {
  name: 'tcp-port',
  validate(value: unknown): void {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535) {
      throw new Error('must be an integer port number from 0 to 65535');
    }
  },
  coerce: (value: unknown): unknown => coerceInteger(value),
};

export function positiveIntFormat(name: string, min: number, max: number) {
  return {
    name,
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

export const booleanFormat = {
  name: 'strict-boolean',
  validate(value: unknown): void {
    if (typeof value !== 'boolean') throw new Error('must be true or false');
  },
  coerce(value: unknown): unknown {
    if (value === 'true') return true;
    if (value === 'false') return false;
    return value;
  },
};

export const urlOrEmptyFormat = {
  name: 'http-url-or-empty',
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

/** `key=value,key2=value2` as in OTEL_EXPORTER_OTLP_HEADERS (values percent-encoded). */
export const keyValueListFormat = {
  name: 'key-value-list',
  validate(value: unknown): void {
    if (typeof value !== 'string') throw new Error('must be a string of key=value pairs separated by commas');
    parseKeyValueList(value);
  },
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
export const stringListFormat = {
  name: 'string-list',
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
 */
export const gradeThresholdsFormat = {
  name: 'grade-thresholds',
  validate(value: unknown): void {
    if (typeof value !== 'string') throw new Error('must be a string like "A:90,B:80,C:70,D:0"');
    parseGradeThresholds(value);
  },
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
