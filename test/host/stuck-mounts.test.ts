import type { StatsFs } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StuckMountGuard } from '../../src/host/stuck-mounts.ts';

const stats = { type: 0, bsize: 4096, blocks: 10, bfree: 5, bavail: 4, files: 0, ffree: 0 } as StatsFs;

describe('stuck mounts', () => {
  it('gives up on a mount after the deadline and does not call statfs on it again until the first call returns', async () => {
    let release: (s: StatsFs) => void = () => {};
    let hung = true;
    const calls: string[] = [];
    const changes: Array<[string, boolean]> = [];
    const guard = new StuckMountGuard({
      timeoutMs: 20,
      statfs: (path) => {
        calls.push(path);
        if (path === '/nfs' && hung) return new Promise<StatsFs>((resolve) => (release = resolve));
        return Promise.resolve(stats);
      },
      onChange: (m, stuck) => changes.push([m, stuck]),
    });
    expect(await guard.statfs('/')).toBe(stats);
    expect(await guard.statfs('/nfs')).toBeUndefined();
    expect(guard.stuck).toEqual(['/nfs']);
    expect(await guard.statfs('/nfs')).toBeUndefined();
    expect(calls.filter((c) => c === '/nfs')).toHaveLength(1);
    hung = false;
    release(stats);
    await new Promise((r) => setImmediate(r));
    expect(guard.stuck).toEqual([]);
    expect(await guard.statfs('/nfs')).toBe(stats);
    expect(changes).toEqual([['/nfs', true], ['/nfs', false]]);
  });

  it('skips a mount whose statfs fails', async () => {
    const guard = new StuckMountGuard({ timeoutMs: 1000, statfs: () => Promise.reject(new Error('EACCES')) });
    expect(await guard.statfs('/secret')).toBeUndefined();
    expect(guard.stuck).toEqual([]);
  });
});
