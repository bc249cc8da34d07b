import { readFileSync } from 'node:fs';

/**
 * The package version, read once from package.json. Both src/ and dist/ sit one
 * level below the package root, so the same relative URL works before and after build.
 */
export function readPackageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
