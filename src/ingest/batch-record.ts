import type { BodyFormat } from './parse-body.ts';
import { FRAME_HEADER_BYTES, MAX_FRAME_BYTES, sealFrame } from '../state/frame.ts';

/**
 * One journal record: an accepted request body exactly as the agent parsed it,
 * with its sequence number, its acceptance time and the positions of the
 * events that were answered "duplicate". Replaying it parses the same text
 * with the same parser (same events, same order) and records every event
 * except those positions: exactly what the 202 acknowledged, without
 * re-running dedupe against a state that may have moved (ids evicted or
 * expired since) and without serializing the events a second time.
 *
 * Payload layout (little-endian), inside the journal's length + CRC-32 frame:
 *
 *   u8  kind (1: batch)
 *   u8  body format (0: JSON, 1: NDJSON)
 *   u16 reserved (0)
 *   u32 number of skipped positions (n)
 *   f64 sequence number
 *   f64 acceptance time (Unix ms, the business clock)
 *   u32 × n skipped positions, ascending
 *   body text, UTF-8, to the end of the payload
 *
 * Sequence and time are doubles: integers up to 2^53 are exact.
 */
export interface BatchRecord {
  readonly seq: number;
  readonly atMs: number;
  readonly format: BodyFormat;
  /** Positions (in the parsed body) of events that were duplicates and so not recorded; ascending. */
  readonly skipped: readonly number[];
  /** The request body as parsed (a well-formed string: it round-trips through UTF-8 unchanged). */
  readonly body: string;
}

export const BATCH_RECORD_KIND = 1;
const FIXED_BYTES = 24;
const FORMATS: readonly BodyFormat[] = ['json', 'ndjson'];

/** String.prototype.isWellFormed (ES2024, in every Node this agent supports; the project's lib is ES2023). */
const isWellFormed = (s: string): boolean => (s as string & { isWellFormed(): boolean }).isWellFormed();

/** The whole frame (header + payload) in one allocation: the body is encoded straight into it, the CRC computed once. */
export function encodeBatchRecord(record: BatchRecord): Buffer {
  const { body, skipped } = record;
  // Strings decoded from UTF-8 are always well formed; a lone surrogate would not survive the round trip.
  if (!isWellFormed(body)) throw new RangeError('journal record body is not well-formed UTF-16');
  const head = FRAME_HEADER_BYTES + FIXED_BYTES + 4 * skipped.length;
  const total = head + Buffer.byteLength(body, 'utf8');
  if (total - FRAME_HEADER_BYTES > MAX_FRAME_BYTES) throw new RangeError(`record of ${total - FRAME_HEADER_BYTES} bytes exceeds ${MAX_FRAME_BYTES}`);
  const frame = Buffer.allocUnsafe(total);
  let o = FRAME_HEADER_BYTES;
  frame[o++] = BATCH_RECORD_KIND;
  frame[o++] = FORMATS.indexOf(record.format);
  frame.writeUInt16LE(0, o);
  frame.writeUInt32LE(skipped.length, o + 2);
  frame.writeDoubleLE(record.seq, o + 6);
  frame.writeDoubleLE(record.atMs, o + 14);
  o += 22;
  for (const position of skipped) {
    frame.writeUInt32LE(position, o);
    o += 4;
  }
  frame.write(body, head, 'utf8');
  return sealFrame(frame);
}

/** Decodes a payload that passed its checksum; throws on a kind or layout this version does not know. */
export function decodeBatchRecord(payload: Buffer): BatchRecord {
  if (payload.length < FIXED_BYTES) throw new RangeError(`journal record of ${payload.length} bytes is shorter than its fixed part`);
  const kind = payload[0];
  if (kind !== BATCH_RECORD_KIND) throw new RangeError(`journal record kind ${kind} is not supported by this version`);
  const format = FORMATS[payload[1]!];
  if (format === undefined) throw new RangeError(`journal record body format ${payload[1]} is unknown`);
  const n = payload.readUInt32LE(4);
  const head = FIXED_BYTES + 4 * n;
  if (head > payload.length) throw new RangeError(`journal record lists ${n} skipped positions but holds ${payload.length} bytes`);
  const skipped: number[] = [];
  for (let i = 0; i < n; i++) skipped.push(payload.readUInt32LE(FIXED_BYTES + 4 * i));
  return {
    seq: payload.readDoubleLE(8),
    atMs: payload.readDoubleLE(16),
    format,
    skipped,
    body: payload.toString('utf8', head),
  };
}

/** Reads only the sequence number (restore scans every record for it, replays only those after the snapshot). */
export function batchRecordSeq(payload: Buffer): number {
  if (payload.length < FIXED_BYTES || payload[0] !== BATCH_RECORD_KIND) throw new RangeError(`journal record kind ${payload[0]} is not supported by this version`);
  return payload.readDoubleLE(8);
}
