import { join } from 'node:path';
import { apiMarkdown } from './api.ts';
import { configurationMarkdown, defaultYaml } from './configuration.ts';
import { metricsMarkdown } from './metrics.ts';

/** Every generated reference file, by path relative to the repository root. */
export async function generatedDocs(root: string): Promise<Record<string, string>> {
  return {
    'docs/configuration.md': configurationMarkdown(),
    'docs/api.md': apiMarkdown(),
    'docs/metrics.md': await metricsMarkdown(join(root, 'test', 'fixtures', 'proc')),
    'config/default.yaml': defaultYaml(),
  };
}
