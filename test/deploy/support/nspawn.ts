import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, missingTool, toolPath } from '../../support/tools.ts';
import { eventually } from '../../support/workload.ts';

/** The bookworm root scripts/provision-tools.sh builds for `systemd-root`. */
export const SYSTEMD_ROOT = join(ROOT, '.cache', 'systemd-root', 'bookworm');

/**
 * systemd-nspawn with the libsystemd-shared of its own package version first on
 * the library path (its RUNPATH points at the host's, which may be another
 * release or absent).
 */
const NSPAWN_ENV = { ...process.env, LD_LIBRARY_PATH: join(ROOT, '.cache', 'tools', 'libsystemd-shared-bookworm', 'usr', 'lib', 'x86_64-linux-gnu', 'systemd') };

/**
 * Why the systemd boot test cannot run here, or undefined when it can. On
 * machines with apt-get the tools are provisioned, so a missing one there is a
 * setup failure (missingTool throws), not a skip.
 */
export function systemdBootUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'systemd-nspawn needs Linux; skipping';
  if (process.getuid?.() !== 0) return 'systemd-nspawn and debootstrap need root; skipping';
  const missing = missingTool('systemd-nspawn') ?? missingTool('debootstrap');
  if (missing) return missing;
  if (!existsSync('/usr/bin/nsenter')) return 'nsenter (util-linux) is not available; skipping';
  // Its other libraries (libcryptsetup, libseccomp, …) come from the host, as Debian's systemd package has them.
  const version = spawnSync(toolPath('systemd-nspawn')!, ['--version'], { encoding: 'utf8', env: NSPAWN_ENV });
  if (version.status !== 0) return `systemd-nspawn cannot run on this host (${(version.stderr || version.error?.message || '').trim()}); skipping`;
  return undefined;
}

/** Builds the root once (bounded by the script); later calls return at once. */
export function ensureSystemdRoot(timeoutMs: number): string {
  const r = spawnSync('bash', [join(ROOT, 'scripts', 'provision-tools.sh'), 'systemd-root'], { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0) throw new Error(`building the systemd root failed (${r.status ?? r.signal}): ${r.stderr}`);
  return SYSTEMD_ROOT;
}

export interface Bind {
  readonly host: string;
  readonly container: string;
  readonly readOnly?: boolean;
}

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Container {
  /** PID of the container's systemd, as the host sees it. */
  readonly initPid: number;
  /** Runs `sh -c command` inside the container (its namespaces and root), as root. */
  run(command: string, options?: { env?: Record<string, string>; timeoutMs?: number }): CommandResult;
  /** run(), throwing with the output unless it exits 0; returns stdout. */
  sh(command: string, options?: { env?: Record<string, string>; timeoutMs?: number }): string;
  /** What systemd-nspawn and the container's console printed. */
  console(): string;
  /** Powers the container off (SIGTERM to systemd-nspawn), SIGKILL after `timeoutMs`. Idempotent. */
  stop(timeoutMs?: number): Promise<void>;
}

/** The host PID of the systemd that `parent` started as PID 1 of a new PID namespace (once it has exec'd). */
function findInit(parent: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let status: string;
    try {
      status = readFileSync(`/proc/${entry}/status`, 'utf8');
    } catch {
      continue;
    }
    const isInit = new RegExp(`^PPid:\\s+${parent}$`, 'm').test(status) && /^NSpid:\s+\d+\s+1$/m.test(status);
    if (isInit && /^Name:\s+systemd$/m.test(status)) return Number(entry);
  }
  return undefined;
}

const CONTAINER_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8', SYSTEMD_PAGER: 'cat', SYSTEMD_COLORS: '0' };

/**
 * Boots `root` with systemd-nspawn as issue-free as this host allows: no
 * machined registration (--register=no), no scope of its own (--keep-unit: the
 * host has no systemd to ask), and --volatile=overlay, so every write lands in
 * a tmpfs and the cached root stays pristine. The container shares the host's
 * network, so its services are reached on 127.0.0.1. It is driven through
 * nsenter into the namespaces of its systemd (systemctl then talks to that
 * systemd over its own private socket); machinectl would need registration.
 * Resolves once `systemctl is-system-running --wait` says the boot finished.
 */
export async function bootContainer(options: { root: string; name: string; binds: readonly Bind[]; bootTimeoutMs: number }): Promise<Container> {
  const nspawn = toolPath('systemd-nspawn');
  if (!nspawn) throw new Error('systemd-nspawn missing');
  const args = ['-D', options.root, '--volatile=overlay', '-b', '--register=no', '--keep-unit', `--machine=${options.name}`];
  for (const b of options.binds) args.push(`--bind${b.readOnly ? '-ro' : ''}=${b.host}:${b.container}`);
  const child = spawn(nspawn, args, { stdio: ['ignore', 'pipe', 'pipe'], env: NSPAWN_ENV });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopping: Promise<void> | undefined;

  const stop = (timeoutMs = 60_000) => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM'); // systemd-nspawn powers the container off cleanly
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)));
      if (await Promise.race([exited.then(() => false), late])) {
        child.kill('SIGKILL');
        await exited;
      }
      clearTimeout(timer);
    })();
    return stopping;
  };

  try {
    const initPid = await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`systemd-nspawn exited (${child.exitCode}): ${output}`);
      return findInit(child.pid!);
    }, options.bootTimeoutMs, "the container's systemd");
    const run: Container['run'] = (command, o = {}) => {
      const r: SpawnSyncReturns<string> = spawnSync('nsenter', ['-t', String(initPid), '-m', '-u', '-i', '-n', '-p', '-r', '-w', '/bin/sh', '-c', command], {
        env: { ...CONTAINER_ENV, ...o.env },
        encoding: 'utf8',
        timeout: o.timeoutMs ?? 60_000,
      });
      return { code: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}` };
    };
    const sh: Container['sh'] = (command, o) => {
      const r = run(command, o);
      if (r.code !== 0) throw new Error(`in the container, \`${command}\` exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
      return r.stdout;
    };
    // Until systemd has set up its private socket, systemctl cannot connect and prints nothing.
    const state = await eventually(async () => run('systemctl is-system-running --wait', { timeoutMs: options.bootTimeoutMs }).stdout.trim() || undefined, options.bootTimeoutMs, 'the boot to finish');
    if (state !== 'running') {
      throw new Error(`the container booted "${state}":\n${run('systemctl --failed --no-legend').stdout}\n${output}`);
    }
    return { initPid, run, sh, console: () => output, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
