import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedDocs } from '../../scripts/docs/generate.ts';
import { ERRORS } from '../../src/errors.ts';
import { ROOT } from '../support/tools.ts';

describe('generated reference docs', async () => {
  const docs = await generatedDocs(ROOT);
  it.each(Object.keys(docs))('%s matches the code (run `npm run docs:build` after changing it)', (path) => {
    expect(readFileSync(join(ROOT, path), 'utf8')).toBe(docs[path]);
  });

  it('docs/api.md lists every error code with its status', () => {
    const api = docs['docs/api.md']!;
    for (const [code, e] of Object.entries(ERRORS)) expect(api).toContain(`| ${e.status} | \`${code}\` |`);
  });

  it('config/default.yaml is a valid config file that loads to the defaults', async () => {
    const { loadConfig } = await import('../../src/config/load.ts');
    const fromFile = loadConfig({ argv: ['--config', join(ROOT, 'config', 'default.yaml')], env: {} }).values;
    const defaults = loadConfig({ argv: [], env: {} }).values;
    expect(fromFile).toEqual(defaults);
  });

  it('config/example.production.yaml is a valid config file', async () => {
    const { loadConfig } = await import('../../src/config/load.ts');
    const { values } = loadConfig({ argv: ['--config', join(ROOT, 'config', 'example.production.yaml')], env: {} });
    expect(values.http.host).toBe('0.0.0.0');
    expect(values.ingest.tokens.length).toBeGreaterThan(0);
  });
});
