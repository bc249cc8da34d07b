import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { missingTool, toolPath } from '../support/tools.ts';
import { readText, readYaml } from './support/generated.ts';

/** Compose, the docs and the tests name the same Prometheus line: the one the PromQL tests run on. */
describe('Prometheus version', () => {
  it('docker-compose.yml pins the Prometheus line the tests run, and the docs name it', (ctx) => {
    const skip = missingTool('prometheus');
    if (skip) return ctx.skip(skip);
    const tested = /prometheus, version (\d+\.\d+)\.\d+/.exec(spawnSync(toolPath('prometheus')!, ['--version'], { encoding: 'utf8' }).stdout)?.[1];
    expect(tested).toBe('3.5');
    const image = readYaml<{ services: { prometheus: { image: string } } }>('docker-compose.yml').services.prometheus.image;
    expect(image).toMatch(new RegExp(`^prom/prometheus:v${tested!.replace('.', '\\.')}\\.\\d+$`));
    expect(readText('docs/deployment.md')).toContain(`\`${image}\``);
    expect(readText('docs/provisioning.md')).toContain(`Prometheus ${tested} LTS`);
  });
});
