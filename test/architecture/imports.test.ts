import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/tools.ts';

/**
 * The rooms of src/ and which may import which: a room is a folder of src/
 * or a file directly in it. docs/architecture.md carries the same table; an
 * import outside it fails, and so does an allowance nothing uses, so the
 * table stays the true picture. Type-only imports count.
 */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  'agent.ts': ['business', 'config', 'deadline.ts', 'host', 'http', 'ingest', 'log.ts', 'state', 'status', 'telemetry'],
  business: ['config', 'log.ts', 'state', 'telemetry'],
  cli: ['agent.ts', 'config', 'demo', 'log.ts', 'version.ts'],
  'cli.ts': ['cli'],
  client: ['business'],
  config: [],
  'deadline.ts': [],
  demo: ['business', 'client', 'config'],
  'errors.ts': [],
  grafana: ['business'],
  host: ['deadline.ts', 'log.ts'],
  http: ['errors.ts', 'log.ts', 'state', 'telemetry'],
  'index.ts': ['agent.ts', 'business', 'config', 'errors.ts', 'log.ts', 'state', 'status', 'version.ts'],
  ingest: ['business', 'errors.ts', 'http', 'state'],
  'log.ts': [],
  state: ['log.ts'],
  status: ['business', 'config', 'http', 'ingest', 'log.ts', 'state', 'telemetry'],
  telemetry: ['config', 'log.ts'],
  'version.ts': [],
};

/** The storage library knows nothing of its callers: whatever the table says, these stay out of state/. */
const NEVER_IN_STATE = ['ingest', 'business', 'status', 'http', 'telemetry'];

const SRC = join(ROOT, 'src');

interface Import {
  readonly file: string;
  readonly specifier: string;
  readonly from: string;
  readonly to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

const roomOf = (path: string): string => relative(SRC, path).split(sep)[0]!;

/** Comments out of the way, so an example in a doc comment is not taken for an import. */
const withoutComments = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');

/** Static imports and re-exports (type-only included, over several lines), side-effect imports and import(). */
const IMPORT = /(?:^|[;\n])\s*(?:import|export)\s+(?:type\s+)?[\w*\s{},]*?\s*from\s*['"]([^'"]+)['"]|(?:^|[;\n])\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): Import[] {
  const text = withoutComments(readFileSync(file, 'utf8'));
  const found = [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3]!);
  // Every line that starts an import declaration must have been read above.
  const declarations = text.match(/^import\b(?!\()/gm)?.length ?? 0;
  const read = [...text.matchAll(IMPORT)].filter((m) => /^[;\n]?\s*import/.test(m[0]) && !m[0].includes('import(')).length;
  if (read !== declarations) throw new Error(`${relative(ROOT, file)}: read ${read} of ${declarations} import declarations`);
  return found
    .filter((s) => s.startsWith('.'))
    .map((specifier) => ({ file: relative(ROOT, file), specifier, from: roomOf(file), to: roomOf(resolve(dirname(file), specifier)) }))
    .filter((i) => i.from !== i.to);
}

const IMPORTS = sourceFiles(SRC).flatMap(importsOf);

/** The table in docs/architecture.md, between its markers. */
function documentedTable(): Record<string, string[]> {
  const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
  const section = /<!-- import-rules:start -->([\s\S]*?)<!-- import-rules:end -->/.exec(doc)?.[1];
  if (section === undefined) throw new Error('docs/architecture.md has no import-rules table');
  const table: Record<string, string[]> = {};
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const room = /^`([^`]+)`$/.exec(cells[1] ?? '')?.[1];
    if (room === undefined) continue;
    table[room] = [...(cells[2] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
  }
  return table;
}

describe('imports between the rooms of src/', () => {
  it('reads the imports of every file (the reader is not blind)', () => {
    expect(IMPORTS.length).toBeGreaterThan(100);
    expect(IMPORTS).toContainEqual({ file: join('src', 'agent.ts'), specifier: './state/durable-store.ts', from: 'agent.ts', to: 'state' });
  });

  it('the storage library imports nothing from ingest, business, status, http or telemetry', () => {
    expect(IMPORTS.filter((i) => i.from === 'state' && NEVER_IN_STATE.includes(i.to)).map((i) => `${i.file} imports ${i.specifier}`)).toEqual([]);
  });

  it('every room is in the table, and every import is one the table allows', () => {
    const rooms = readdirSync(SRC).filter((name) => !name.startsWith('.'));
    expect(rooms.filter((r) => !(r in ALLOWED)), 'rooms missing from the table').toEqual([]);
    const forbidden = IMPORTS.filter((i) => !ALLOWED[i.from]?.includes(i.to)).map((i) => `${i.file} imports ${i.specifier} (${i.from} → ${i.to})`);
    expect(forbidden).toEqual([]);
  });

  it('every allowance is used: the table is the true picture, not a wish', () => {
    const used = new Set(IMPORTS.map((i) => `${i.from} → ${i.to}`));
    const unused = Object.entries(ALLOWED).flatMap(([from, tos]) => tos.map((to) => `${from} → ${to}`)).filter((edge) => !used.has(edge));
    expect(unused).toEqual([]);
  });

  it('docs/architecture.md shows the same table', () => {
    expect(documentedTable()).toEqual(Object.fromEntries(Object.entries(ALLOWED).map(([room, tos]) => [room, [...tos]])));
  });
});
