import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSettings } from '../../src/config/schema.ts';
import { skipReason } from '../support/skip.ts';
import { ROOT } from '../support/tools.ts';
import { parseUnit, valuesOf } from './support/unit-file.ts';

const UNIT_PATH = join(ROOT, 'deploy', 'systemd', 'qb-agent.service');
const ENV_EXAMPLE = join(ROOT, 'deploy', 'systemd', 'qb-agent.env.example');
const INSTALL_DIR = '/opt/qb-agent';
const unitText = readFileSync(UNIT_PATH, 'utf8');
const unit = parseUnit(unitText);
const service = (key: string) => valuesOf(unit, 'Service', key);

const SYSTEMD_ANALYZE = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));
/** Only where systemd is not installed at all (a developer's Mac); it is on our build machines. */
const NO_SYSTEMD = skipReason(SYSTEMD_ANALYZE ? undefined : 'systemd-analyze is not installed on this machine; skipping the systemd checks');

/**
 * `systemd-analyze verify` checks that ExecStart's program exists. The unit's
 * ExecStart names the production paths (/usr/bin/node, /opt/qb-agent); the copy
 * we verify runs the same command line with this machine's node and this
 * checkout's dist/cli.js, everything else byte-identical.
 */
function verifiableCopy(dir: string, text: string, name = 'qb-agent.service'): string {
  const exec = `ExecStart=/usr/bin/node ${INSTALL_DIR}/dist/cli.js run`;
  expect(text).toContain(exec);
  const path = join(dir, name);
  writeFileSync(path, text.replace(exec, `ExecStart=${process.execPath} ${join(ROOT, 'dist', 'cli.js')} run`));
  return path;
}

function analyze(args: string[]) {
  const r = spawnSync(SYSTEMD_ANALYZE!, args, { encoding: 'utf8', env: { ...process.env, SYSTEMD_LOG_COLOR: '0', SYSTEMD_COLORS: '0' } });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('deploy/systemd/qb-agent.service', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'qb-systemd-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the built CLI from the /opt install, and that entry point exists after the build', () => {
    expect(service('ExecStart')).toEqual([`/usr/bin/node ${INSTALL_DIR}/dist/cli.js run`]);
    expect(service('WorkingDirectory')).toEqual([INSTALL_DIR]);
    expect(existsSync(join(ROOT, 'dist', 'cli.js'))).toBe(true);
  });

  it('runs as a dynamic user with its state directory ready for state.dir', () => {
    expect(service('DynamicUser')).toEqual(['yes']);
    expect(service('User')).toEqual([]);
    expect(service('StateDirectory')).toEqual(['qb-agent']);
    expect(service('Environment')).toContain('QB_AGENT_STATE_DIR=/var/lib/qb-agent');
    expect(service('EnvironmentFile')).toEqual(['-/etc/qb-agent/qb-agent.env']);
  });

  it('restarts on failure but not on a configuration error, and gives the final push time to finish', () => {
    expect(service('Restart')).toEqual(['on-failure']);
    expect(service('RestartPreventExitStatus')).toEqual(['2']);
    expect(service('KillSignal')).toEqual(['SIGTERM']);
    // Above the default otlp.timeoutMs (10 s) that bounds the final push.
    expect(service('TimeoutStopSec')).toEqual(['30s']);
  });

  it('has the hardening an operator expects', () => {
    const expected: Record<string, string> = {
      NoNewPrivileges: 'yes',
      CapabilityBoundingSet: '',
      AmbientCapabilities: '',
      ProtectSystem: 'strict',
      ProtectHome: 'read-only',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      ProtectKernelTunables: 'yes',
      ProtectKernelModules: 'yes',
      ProtectControlGroups: 'yes',
      RestrictAddressFamilies: 'AF_INET AF_INET6 AF_UNIX',
      RestrictNamespaces: 'yes',
      RestrictSUIDSGID: 'yes',
      LockPersonality: 'yes',
      SystemCallArchitectures: 'native',
      UMask: '0077',
    };
    const found = Object.fromEntries(Object.keys(expected).map((k) => [k, service(k).join('|')]));
    expect(found).toEqual(expected);
    // V8 needs W+X pages, and host metrics need all of /proc.
    expect(service('MemoryDenyWriteExecute')).toEqual([]);
    expect(service('ProtectProc')).toEqual([]);
    expect(service('ProcSubset')).toEqual([]);
  });

  it('passes systemd-analyze verify without a single warning', (ctx) => {
    if (NO_SYSTEMD) return ctx.skip(NO_SYSTEMD);
    const result = analyze(['verify', verifiableCopy(dir, unitText)]);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('would notice a misspelt directive (the check above can fail)', (ctx) => {
    if (NO_SYSTEMD) return ctx.skip(NO_SYSTEMD);
    const typo = unitText.replace('ProtectSystem=strict', 'ProtectSytem=strict');
    const result = analyze(['verify', verifiableCopy(dir, typo, 'qb-agent-typo.service')]);
    expect(result.output).toContain("Unknown key 'ProtectSytem' in section [Service], ignoring.");
  });

  it('rates as well sandboxed by systemd-analyze security', (ctx) => {
    if (NO_SYSTEMD) return ctx.skip(NO_SYSTEMD);
    const result = analyze(['security', '--offline=yes', verifiableCopy(dir, unitText)]);
    const match = /Overall exposure level for qb-agent\.service: (\d+\.\d+) (\w+)/.exec(result.output);
    expect(match, result.output).not.toBeNull();
    expect(Number(match![1])).toBeLessThanOrEqual(2);
    expect(match![2]).toBe('OK');
  });
});

describe('deploy/systemd/qb-agent.env.example', () => {
  const text = readFileSync(ENV_EXAMPLE, 'utf8');
  const known = new Set(listSettings().flatMap((s) => [s.env, ...(s.envFallbacks ?? [])].filter((e): e is string => Boolean(e))));

  it('names only variables the agent reads (commented out or not)', () => {
    const named = [...text.matchAll(/^#?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((n) => !known.has(n))).toEqual([]);
  });

  it('sets nothing by default: the agent runs on its defaults until an operator opts in', () => {
    expect(text.split('\n').filter((l) => /^[A-Z]/.test(l))).toEqual([]);
  });
});
