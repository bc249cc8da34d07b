// Regenerates the reference docs whose truth is the code: docs/configuration.md,
// docs/api.md, docs/metrics.md and config/default.yaml. test/docs/drift.test.ts
// fails when the committed copies differ from what this writes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedDocs } from './docs/generate.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
for (const [path, text] of Object.entries(await generatedDocs(root))) {
  writeFileSync(join(root, path), text);
  console.log(`wrote ${path}`);
}
