import convict from 'convict';
import {
  booleanFormat,
  gradeThresholdsFormat,
  hostFormat,
  keyValueListFormat,
  portFormat,
  positiveIntFormat,
  stringListFormat,
  urlOrEmptyFormat,
} from './formats.ts';
import { listSettings, setPath, type SettingEntry } from './schema.ts';

export interface Format {
  readonly name: string;
  validate(value: unknown): void;
  coerce?(value: unknown): unknown;
}

export const FORMATS: readonly Format[] = [
  hostFormat,
  portFormat,
  booleanFormat,
  urlOrEmptyFormat,
  keyValueListFormat,
  stringListFormat,
  gradeThresholdsFormat,
  positiveIntFormat('interval-ms', 100, 3_600_000),
  positiveIntFormat('body-bytes', 1024, 1_073_741_824),
  positiveIntFormat('batch-size', 1, 1_000_000),
  positiveIntFormat('window-seconds', 1, 31_536_000),
  // Dedupe ids: every id is held in one Map (V8 caps a Map near 16.7 million entries) and written to each
  // snapshot; 10 million ids of 100 characters are ~2 GiB of heap and ~1.3 GiB per snapshot file.
  positiveIntFormat('id-count', 1, 10_000_000),
  positiveIntFormat('cardinality', 1, 1_000_000),
  positiveIntFormat('in-flight', 1, 100_000),
];

let formatsRegistered = false;

/** convict keeps formats in a module-level table; register ours once. */
function registerFormats(): void {
  if (formatsRegistered) return;
  for (const f of FORMATS) {
    convict.addFormat({ name: f.name, validate: f.validate, ...(f.coerce ? { coerce: f.coerce } : {}) });
  }
  formatsRegistered = true;
}

/** Validates one value against its setting's format; throws with a readable reason. */
export function checkValue(setting: SettingEntry, value: unknown): void {
  const { format } = setting;
  if (format === String) {
    if (typeof value !== 'string') throw new Error('must be a string');
    return;
  }
  if (Array.isArray(format)) {
    if (!format.includes(value as string)) throw new Error(`must be one of ${format.map((v) => `"${v}"`).join(', ')}`);
    return;
  }
  const custom = FORMATS.find((f) => f.name === format);
  if (!custom) throw new Error(`has unknown format ${String(format)}`);
  custom.validate(value);
}

export function buildConvict(env: Record<string, string | undefined>) {
  registerFormats();
  const tree: Record<string, unknown> = {};
  for (const setting of listSettings()) {
    setPath(tree, setting.key, {
      doc: setting.doc,
      format: setting.format,
      default: Array.isArray(setting.default) ? [...setting.default] : setting.default,
      ...(setting.env ? { env: setting.env } : {}),
      ...(setting.sensitive ? { sensitive: true } : {}),
    });
  }
  return convict(tree as never, { env: env as NodeJS.ProcessEnv, args: [] });
}
