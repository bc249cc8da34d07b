import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { skipReason } from './skip.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Where scripts/provision-tools.sh unpacks each tool: <package>-<Debian suite>. Prometheus 3.5 LTS and VictoriaMetrics 1.145 come from sid. */
const TOOLS = {
  promtool: 'promtool-sid/usr/bin/promtool',
  prometheus: 'prometheus-sid/usr/bin/prometheus',
  'victoria-metrics': 'victoria-metrics-sid/usr/bin/victoria-metrics',
  vmalert: 'victoria-metrics-sid/usr/bin/vmalert',
  'docker-compose': 'docker-compose-trixie/usr/libexec/docker/cli-plugins/docker-compose',
  debootstrap: 'debootstrap-bookworm/usr/sbin/debootstrap',
  'systemd-nspawn': 'systemd-container-bookworm/usr/bin/systemd-nspawn',
} as const;

export type ToolName = keyof typeof TOOLS;

/** Path of a Debian tool fetched by scripts/provision-tools.sh, or undefined where it could not be fetched. */
export function toolPath(name: ToolName): string | undefined {
  const path = join(ROOT, '.cache', 'tools', TOOLS[name]);
  return existsSync(path) ? path : undefined;
}

/**
 * Why a test that needs the tool must skip, or undefined when it is there. On
 * machines with apt (ours, CI) the tools are always provisioned, so a missing
 * tool there is a failure of the setup, not a skip; so it is under CI=true.
 */
export function missingTool(name: ToolName): string | undefined {
  if (toolPath(name)) return undefined;
  if (existsSync('/usr/bin/apt-get')) {
    throw new Error(`${name} should have been provisioned by scripts/provision-tools.sh but is missing`);
  }
  return skipReason(`${name} is not available (no apt-get on this machine); skipping`);
}
