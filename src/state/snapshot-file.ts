import { readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeFrame, scanFrames } from './frame.ts';
import { syncDir } from './journal.ts';

const SNAPSHOT = /^snapshot-(\d{16})\.snap$/;
const TMP = 'snapshot.tmp';

export function snapshotName(seq: number): string {
  return `snapshot-${String(seq).padStart(16, '0')}.snap`;
}

/** Sequence numbers of the snapshots on disk, newest first. */
export function listSnapshots(dir: string): number[] {
  return readdirSync(dir)
    .map((name) => SNAPSHOT.exec(name)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => b - a);
}

export interface LoadedSnapshot {
  readonly seq: number;
  readonly payload: Buffer;
}

/**
 * The newest snapshot whose checksum holds, with a note for each damaged one
 * skipped on the way (a damaged snapshot falls back to the previous one).
 */
export function loadNewestSnapshot(dir: string): { snapshot: LoadedSnapshot | undefined; damaged: string[] } {
  const damaged: string[] = [];
  for (const seq of listSnapshots(dir)) {
    const path = join(dir, snapshotName(seq));
    const scan = scanFrames(readFileSync(path));
    if (scan.payloads.length === 1 && scan.stopReason === undefined) return { snapshot: { seq, payload: scan.payloads[0]! }, damaged };
    damaged.push(`${path}: ${scan.stopReason ?? 'empty'}`);
  }
  return { snapshot: undefined, damaged };
}

/**
 * Writes a snapshot atomically: temporary file, fsync, rename, fsync of the
 * directory. A crash at any point leaves either the old set of snapshots or
 * the new one, never a half-written file under a snapshot name.
 */
export async function writeSnapshot(dir: string, seq: number, payload: Buffer): Promise<void> {
  const tmp = join(dir, TMP);
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(encodeFrame(payload));
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  await rename(tmp, join(dir, snapshotName(seq)));
  syncDir(dir);
}

/** Keeps the newest `keep` snapshots; returns the seq of the oldest kept one. */
export function pruneSnapshots(dir: string, keep: number): number | undefined {
  const seqs = listSnapshots(dir);
  for (const seq of seqs.slice(keep)) unlinkSync(join(dir, snapshotName(seq)));
  if (seqs.length > keep) syncDir(dir);
  return seqs.slice(0, keep).at(-1);
}
