import { readFile, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostCollector } from './collector.ts';
import { StuckMountGuard } from './stuck-mounts.ts';

export interface Mount {
  readonly device: string;
  readonly mountpoint: string;
  readonly type: string;
}

/** Pseudo and virtual file systems that hold no user data (node_exporter's default exclusions). */
export const IGNORED_FS_TYPES = new Set([
  'autofs', 'binfmt_misc', 'bpf', 'cgroup', 'cgroup2', 'configfs', 'debugfs', 'devpts', 'devtmpfs', 'efivarfs',
  'fusectl', 'hugetlbfs', 'iso9660', 'mqueue', 'nsfs', 'overlay', 'proc', 'procfs', 'pstore', 'rpc_pipefs',
  'securityfs', 'selinuxfs', 'squashfs', 'erofs', 'sysfs', 'tracefs', 'ramfs', 'nfsd',
]);
/** How long one statfs may take before its mount counts as stuck (a hung network file system). */
export const STATFS_TIMEOUT_MS = 1000;

export const IGNORED_MOUNTPOINTS = /^\/(dev|proc|run\/credentials\/.+|sys|var\/lib\/docker\/.+|var\/lib\/containers\/storage\/.+)($|\/)/;

/** Parses a mounts table (/proc/1/mounts), unescaping the octal escapes (\040 for a space), keeping data file systems once each. */
export function parseMounts(text: string): Mount[] {
  const seen = new Set<string>();
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const [device, rawMountpoint, type] = line.split(' ');
    if (!device || !rawMountpoint || !type) continue;
    const mountpoint = rawMountpoint.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
    if (IGNORED_FS_TYPES.has(type) || IGNORED_MOUNTPOINTS.test(mountpoint) || seen.has(mountpoint)) continue;
    seen.add(mountpoint);
    out.push({ device, mountpoint, type });
  }
  return out;
}

export interface FilesystemUsage {
  readonly used: number;
  readonly free: number;
  readonly reserved: number;
}

/** Bytes by state from statfs: "free" is what unprivileged users can still write; "reserved" is root's share. */
export function usageFromStatfs(s: { bsize: number; blocks: number; bfree: number; bavail: number }): FilesystemUsage {
  return {
    used: (s.blocks - s.bfree) * s.bsize,
    free: s.bavail * s.bsize,
    reserved: (s.bfree - s.bavail) * s.bsize,
  };
}

/** system.filesystem.usage (bytes) and system.filesystem.utilization (0..1) by device, mount point, type and state. */
export const filesystemCollector: HostCollector = {
  name: 'filesystem',
  setup(meter, context) {
    const usage = meter.createObservableGauge('system.filesystem.usage', { description: 'File system space by state (unit: By).' });
    const util = meter.createObservableGauge('system.filesystem.utilization', {
      description: 'Share of file system space (0..1) by state; state="used" is what df calls Use%.',
    });
    const guard = new StuckMountGuard({
      statfs: context.statfs ?? ((path) => statfs(path)),
      timeoutMs: STATFS_TIMEOUT_MS,
      onChange: (mountpoint, stuck) => context.log?.[stuck ? 'warn' : 'info']({ mountpoint }, stuck ? 'mount not answering statfs; skipped until it does' : 'mount answers statfs again'),
    });
    return {
      observables: [usage, util],
      async collect(result) {
        const mounts = parseMounts(await readMounts(context.procPath));
        await Promise.all(
          mounts.map(async (m) => {
            const s = await guard.statfs(join(context.rootfsPath, m.mountpoint));
            if (!s || s.blocks === 0) return;
            const u = usageFromStatfs(s);
            // df's Use% divides by what users can reach (used + free), not by the raw size.
            const reachable = u.used + u.free;
            const base = { 'system.device': m.device, 'system.filesystem.mountpoint': m.mountpoint, 'system.filesystem.type': m.type };
            for (const [state, bytes] of Object.entries(u)) {
              result.observe(usage, bytes, { ...base, 'system.filesystem.state': state });
            }
            result.observe(util, reachable > 0 ? u.used / reachable : 0, { ...base, 'system.filesystem.state': 'used' });
            result.observe(util, reachable > 0 ? u.free / reachable : 0, { ...base, 'system.filesystem.state': 'free' });
          }),
        );
      },
    };
  },
};

async function readMounts(procPath: string): Promise<string> {
  try {
    return await readFile(join(procPath, '1', 'mounts'), 'utf8');
  } catch {
    return readFile(join(procPath, 'self', 'mounts'), 'utf8');
  }
}
