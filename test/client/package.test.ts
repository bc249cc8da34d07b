import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/tools.ts';

const node = (code: string) => execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' }).trim();

describe('package entry points (built dist/)', () => {
  it('quality-billing-agent/client resolves through "exports" and has the documented surface', () => {
    const keys = node("const m = await import('quality-billing-agent/client'); console.log(Object.keys(m).sort().join(','))");
    expect(keys).toBe('DeliveryError,QbAgentClient,backoffDelay,events,isRetryable,parseRetryAfter');
  });

  it('the client imports nothing outside dist/client: no runtime dependencies', () => {
    const dir = join(ROOT, 'dist', 'client');
    const specifiers = readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*from\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!));
    expect(specifiers.length).toBeGreaterThan(0);
    expect(specifiers.filter((s) => !/^\.\/[\w-]+\.js$/.test(s))).toEqual([]);
  });

  it('quality-billing-agent resolves to src/index.ts\'s explicit surface', () => {
    const keys = node("const m = await import('quality-billing-agent'); console.log(Object.keys(m).sort().join(','))");
    expect(keys).toBe('Agent,ApiError,CATALOGUE,ConfigError,ERRORS,EVENT_SCHEMAS,EVENT_TYPES,HTTP_METHODS,SCHEMA,createLogger,listSettings,loadConfig,readPackageVersion,redactConfig');
    expect(readFileSync(join(ROOT, 'src', 'index.ts'), 'utf8')).not.toMatch(/^export \*/m);
  });

  it('the qb-agent bin still runs', () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(execFileSync(process.execPath, [join(ROOT, 'bin', 'qb-agent.js'), '--version'], { encoding: 'utf8' })).toBe(`${version}\n`);
  });
});
