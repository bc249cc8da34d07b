import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderAll } from '../../src/grafana/outputs.ts';
import { ROOT } from '../support/tools.ts';
import { readText } from './support/generated.ts';

describe('generated provisioning files', () => {
  const files = renderAll();

  it.each([...files.keys()])('%s is committed and up to date (run npm run grafana:build)', (path) => {
    expect(readText(path)).toBe(files.get(path));
  });

  it('has no stale dashboard JSON that the code no longer builds', () => {
    const committed = readdirSync(join(ROOT, 'grafana', 'dashboards')).map((n) => `grafana/dashboards/${n}`);
    expect(committed.sort()).toEqual([...files.keys()].filter((p) => p.startsWith('grafana/dashboards/')).sort());
  });
});
