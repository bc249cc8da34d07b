/** One `Key=value` line of a systemd unit, with its section. */
export interface UnitEntry {
  readonly section: string;
  readonly key: string;
  readonly value: string;
}

/** Parses a systemd unit file into entries, in order (repeated keys stay repeated). */
export function parseUnit(text: string): UnitEntry[] {
  const out: UnitEntry[] = [];
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`not a Key=value line: ${line}`);
    out.push({ section, key: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim() });
  }
  return out;
}

/** Every value of a key in a section. */
export function valuesOf(entries: readonly UnitEntry[], section: string, key: string): string[] {
  return entries.filter((e) => e.section === section && e.key === key).map((e) => e.value);
}
