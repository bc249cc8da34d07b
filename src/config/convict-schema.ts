import convict from 'convict';
import { FORMATS, type Format, type FormatName } from './formats.ts';
import { listSettings, setPath, type SettingEntry } from './schema.ts';

let formatsRegistered = false;

/** convict keeps formats in a module-level table; register ours once. */
function registerFormats(): void {
  if (formatsRegistered) return;
  for (const [name, f] of Object.entries(FORMATS) as Array<[FormatName, Format<unknown>]>) {
    convict.addFormat({ name, validate: f.validate, ...(f.coerce ? { coerce: f.coerce } : {}) });
  }
  formatsRegistered = true;
}

/** Validates one value against its setting's format; throws with a readable reason. */
export function checkValue(setting: SettingEntry, value: unknown): void {
  const { format } = setting;
  if (typeof format === 'string') FORMATS[format].validate(value);
  else if (typeof format === 'function') {
    if (typeof value !== 'string') throw new Error('must be a string');
  } else if (!format.includes(value as string)) throw new Error(`must be one of ${format.map((v) => `"${v}"`).join(', ')}`);
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
