import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ROOT } from './tools.ts';

/** Programs built from their pinned Go modules under test/tools/<name> by scripts/build-go-tool.sh. */
export type GoToolName = 'otelcol' | 'prometheus';

/** Go on PATH, or in its standard install location (scripts/build-go-tool.sh looks there too). */
export function goInstalled(path = process.env.PATH ?? ''): boolean {
  return [...path.split(delimiter), '/usr/local/go/bin'].some((dir) => dir !== '' && existsSync(join(dir, 'go')));
}

/** Path of a Go-built tool, or undefined where it was not built. */
export function goToolPath(name: GoToolName): string | undefined {
  const path = join(ROOT, '.cache', 'go-tools', name, name);
  return existsSync(path) ? path : undefined;
}

/**
 * Why a test that needs the tool must skip, or undefined when it is there. Where
 * Go is installed (our machines, CI) the global setup always builds it, so a
 * missing binary there is a failure of the setup, not a skip.
 */
export function missingGoTool(name: GoToolName): string | undefined {
  if (goToolPath(name)) return undefined;
  if (goInstalled()) throw new Error(`${name} should have been built by scripts/build-go-tool.sh but is missing`);
  return `${name} is not available (Go is not installed on this machine); skipping`;
}
