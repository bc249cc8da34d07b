import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Runs once before the suite: builds dist/ (end-to-end tests run the built agent,
 * as production does) and fetches the Debian tools the tests run for real into
 * .cache/tools, and builds the Go tools into .cache/go-tools. Where apt-get or
 * Go is missing (a developer's Mac) the tools stay absent and the tests that
 * need them skip, naming the tool.
 */
export default function setup(project: TestProject): void {
  // QB_TEST_SKIP_BUILD=1 reuses an existing dist/ (quick local reruns of in-process tests).
  if (process.env.QB_TEST_SKIP_BUILD !== '1') execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (existsSync('/usr/bin/apt-get')) {
    execFileSync('bash', ['scripts/provision-tools.sh', 'prometheus', 'promtool', 'victoria-metrics', 'docker-compose', 'debootstrap', 'systemd-container', 'libsystemd-shared'], { cwd: ROOT, stdio: 'inherit' });
  }
  // The OpenTelemetry Collector and Prometheus with its OTLP receiver, from their pinned Go
  // modules (test/tools/); a no-op when already built, a skip message where Go is missing.
  execFileSync('bash', ['scripts/build-go-tool.sh', 'otelcol', 'prometheus'], { cwd: ROOT, stdio: 'inherit' });
  project.provide('root', ROOT);
}

declare module 'vitest' {
  export interface ProvidedContext {
    root: string;
  }
}
