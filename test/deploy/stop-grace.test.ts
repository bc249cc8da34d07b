import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { SCHEMA } from '../../src/config/schema.ts';
import { ROOT } from '../support/tools.ts';

/** Room between the agent's own deadline and the SIGKILL of what runs it: Node's exit, sockets closing. */
const MARGIN_MS = 2000;
const SHUTDOWN_MS = SCHEMA.shutdown.timeoutMs.default;

/** "10s", "1m30s", "1500ms", "2min": the duration forms of Compose and systemd. */
function durationMs(text: string): number {
  let total = 0;
  const rest = text.trim().replace(/(\d+(?:\.\d+)?)\s*(ms|min|m|s|h)/g, (_all, n: string, unit: string) => {
    total += Number(n) * { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 }[unit]!;
    return '';
  });
  if (rest.trim() !== '' || total === 0) throw new Error(`not a duration: ${text}`);
  return total;
}

describe('stop grace periods of the shipped deployments', () => {
  it('reads the duration forms', () => {
    expect([durationMs('10s'), durationMs('1m30s'), durationMs('1500ms'), durationMs('2min')]).toEqual([10_000, 90_000, 1500, 120_000]);
  });

  it('docker-compose.yml gives the agent longer than shutdown.timeoutMs before SIGKILL', () => {
    const compose = parseYaml(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { stop_grace_period?: string }> };
    const grace = compose.services['qb-agent']!.stop_grace_period;
    expect(grace, 'stop_grace_period is set explicitly').toBeDefined();
    expect(durationMs(grace!)).toBeGreaterThanOrEqual(SHUTDOWN_MS + MARGIN_MS);
  });

  it('the systemd unit gives the agent longer than shutdown.timeoutMs before SIGKILL', () => {
    const unit = readFileSync(join(ROOT, 'deploy', 'systemd', 'qb-agent.service'), 'utf8');
    const lines = unit.split('\n').filter((l) => l.startsWith('TimeoutStopSec='));
    expect(lines).toHaveLength(1);
    expect(durationMs(lines[0]!.slice('TimeoutStopSec='.length))).toBeGreaterThanOrEqual(SHUTDOWN_MS + MARGIN_MS);
  });

  it('the default fits Docker\'s default stop timeout (10 s), which the image cannot change', () => {
    expect(SHUTDOWN_MS + MARGIN_MS).toBeLessThanOrEqual(10_000);
  });
});
