import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderAll } from '../src/grafana/outputs.ts';

/**
 * `npm run grafana:build`: writes the dashboards, Grafana provisioning and the
 * Prometheus rule file from src/grafana/, and removes dashboards no longer built.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const files = renderAll();

const dashboards = join(root, 'grafana', 'dashboards');
mkdirSync(dashboards, { recursive: true });
for (const name of readdirSync(dashboards)) {
  if (name.endsWith('.json') && !files.has(`grafana/dashboards/${name}`)) {
    rmSync(join(dashboards, name));
    console.log(`removed grafana/dashboards/${name}`);
  }
}
for (const [path, content] of files) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
  console.log(`wrote ${path}`);
}
