import { FORMATS, type Format } from './formats.ts';
import { getPath, listSettings, setPath, type ConfigValues, type SettingEntry } from './schema.ts';

export const REDACTED = '[REDACTED]';

function isEmpty(value: unknown): boolean {
  if (typeof value === 'object' && value !== null) return Object.keys(value).length === 0;
  return value === '';
}

/** A loaded value as the configuration text it came from (a record of pairs as `k=v,...`); other values as they are. */
function shown(setting: SettingEntry, value: unknown): unknown {
  if (typeof setting.format !== 'string') return value;
  const format: Format<unknown> = FORMATS[setting.format];
  return format.show ? format.show(value) : value;
}

/**
 * A URL fit for logs and status output: credentials in the user-info part and
 * query values (where API keys like to hide) are replaced; scheme, host, port
 * and path stay, as an operator needs them to debug an endpoint.
 */
export function redactUrl(value: string): string {
  if (value === '') return value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return REDACTED;
  }
  if (url.username !== '' || url.password !== '') {
    url.username = url.username === '' ? '' : REDACTED;
    url.password = url.password === '' ? '' : REDACTED;
  }
  for (const key of [...url.searchParams.keys()]) url.searchParams.set(key, REDACTED);
  return url.toString().replaceAll(encodeURIComponent(REDACTED), REDACTED);
}

/**
 * The effective configuration as configuration text, with every secret
 * replaced: sensitive settings wholesale, URLs' credentials.
 */
export function redactConfig(values: Readonly<ConfigValues>): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const s of listSettings()) {
    const value = getPath(values, s.key);
    if (s.sensitive && !isEmpty(value)) setPath(out, s.key, REDACTED);
    else if (s.format === 'http-url-or-empty' && typeof value === 'string') setPath(out, s.key, redactUrl(value));
    else setPath(out, s.key, shown(s, value));
  }
  return out;
}
