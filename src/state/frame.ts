import { crc32 } from 'node:zlib';

/**
 * The journal's on-disk record format (snapshots have their own, streamed:
 * snapshot-file.ts):
 *
 *   u32 LE payload length | u32 LE CRC-32 of the payload | payload bytes
 *
 * The checksum covers the payload only; the length is validated by bounds
 * (a torn or garbled length either runs past the end of the file or yields a
 * payload whose checksum fails). This is the framing of Prometheus' WAL
 * records, minus its page structure.
 */
export const FRAME_HEADER_BYTES = 8;

/** Larger lengths are treated as corruption, never allocated. */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;

/**
 * Fills in the header of a frame whose payload was written in place after
 * FRAME_HEADER_BYTES (so a record is built in one allocation, without copying
 * its payload), computing the CRC once over the payload. Returns the frame.
 */
export function sealFrame(frame: Buffer): Buffer {
  const payload = frame.subarray(FRAME_HEADER_BYTES);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt32LE(crc32(payload), 4);
  return frame;
}

export interface ScanResult {
  /** Payloads of every complete, intact record, in file order. */
  readonly payloads: Buffer[];
  /** Bytes from the start that hold intact records; everything after is torn or damaged. */
  readonly validBytes: number;
  /** Why scanning stopped before the end, when it did. */
  readonly stopReason: 'torn header' | 'torn payload' | 'bad length' | 'checksum mismatch' | undefined;
}

/** Reads records until the end or the first damaged one (which, with everything after it, is not returned). */
export function scanFrames(buffer: Buffer): ScanResult {
  const payloads: Buffer[] = [];
  let offset = 0;
  let stopReason: ScanResult['stopReason'];
  while (offset < buffer.length) {
    if (buffer.length - offset < FRAME_HEADER_BYTES) {
      stopReason = 'torn header';
      break;
    }
    const length = buffer.readUInt32LE(offset);
    const checksum = buffer.readUInt32LE(offset + 4);
    if (length > MAX_FRAME_BYTES) {
      stopReason = 'bad length';
      break;
    }
    const start = offset + FRAME_HEADER_BYTES;
    if (start + length > buffer.length) {
      stopReason = 'torn payload';
      break;
    }
    const payload = buffer.subarray(start, start + length);
    if (crc32(payload) !== checksum) {
      stopReason = 'checksum mismatch';
      break;
    }
    payloads.push(payload);
    offset = start + length;
  }
  return { payloads, validBytes: offset, stopReason };
}
