import type { MetricsState } from '../business/metric-state.ts';
import { SECTION_HEADER_BYTES, sealSection, type Section } from './snapshot-file.ts';

/**
 * What a snapshot holds, section by section (snapshot-file.ts frames them):
 *
 *   1 head    JSON: format version, seq, time, business metrics, overflow counts (bounded by the cardinality limits)
 *   2 dedupe  remembered ids in acceptance order: u16 LE length | UTF-8 id | u8 length | fingerprint | f64 LE atMs, repeated
 *   3 users   active users, least recently seen first: u16 LE length | UTF-8 user | f64 LE seenMs | u8 inactive, repeated
 *
 * The head comes first and once; dedupe and users sections come in chunks of
 * about CHUNK_BYTES each, so neither side ever holds the ids as one string.
 */
export const SNAPSHOT_FORMAT = 2;
const KIND = { head: 1, dedupe: 2, users: 3 } as const;
const CHUNK_BYTES = 1024 * 1024;
/** Longest string (UTF-16 code units) an entry holds; its UTF-8 length then fits the u16 length. Ids are at most 128 characters. */
const MAX_TEXT = 0xffff / 3;

export interface SnapshotHead {
  readonly v: typeof SNAPSHOT_FORMAT;
  readonly seq: number;
  readonly takenAtMs: number;
  readonly metrics: MetricsState;
  readonly overflow: Array<[metric: string, count: number]>;
}

/** Remembered ids, in acceptance order, as parallel arrays (a copy taken in one synchronous step). */
export interface DedupeCopy {
  readonly ids: readonly string[];
  readonly fingerprints: readonly string[];
  readonly times: readonly number[];
}

/** Tracked users, least recently seen first, as parallel arrays. */
export interface UsersCopy {
  readonly users: readonly string[];
  readonly seenMs: readonly number[];
  readonly inactive: readonly boolean[];
}

export interface SnapshotContents {
  readonly head: SnapshotHead;
  readonly dedupe: DedupeCopy;
  readonly users: UsersCopy;
}

/** Receives a snapshot's contents as they are read: the head first, then every id and user in order. */
export interface SnapshotSink {
  head(head: SnapshotHead): void;
  dedupe(id: string, fingerprint: string, atMs: number): void;
  user(user: string, seenMs: number, inactive: boolean): void;
}

/**
 * Encodes a snapshot one section at a time; each next() does about CHUNK_BYTES
 * of work. A yielded section is only valid until the next one is asked for.
 */
export function* encodeSnapshot(contents: SnapshotContents): Generator<Buffer> {
  const json = Buffer.from(JSON.stringify(contents.head));
  const head = Buffer.allocUnsafe(SECTION_HEADER_BYTES + json.length);
  json.copy(head, SECTION_HEADER_BYTES);
  yield sealSection(head, KIND.head);

  const { ids, fingerprints, times } = contents.dedupe;
  yield* chunks(KIND.dedupe, ids.length, (buf, at, i) => {
    at = putText(buf, at, ids[i]!, 2);
    at = putText(buf, at, fingerprints[i]!, 1);
    return buf.writeDoubleLE(times[i]!, at);
  });
  const { users, seenMs, inactive } = contents.users;
  yield* chunks(KIND.users, users.length, (buf, at, i) => {
    at = putText(buf, at, users[i]!, 2);
    at = buf.writeDoubleLE(seenMs[i]!, at);
    return buf.writeUInt8(inactive[i] ? 1 : 0, at);
  });
}

/** Largest entry in bytes: two texts of at most MAX_TEXT code units (3 UTF-8 bytes each) plus lengths and numbers. */
const MAX_ENTRY_BYTES = 2 * (2 + 3 * MAX_TEXT) + 16;

/**
 * Sections of one kind, encoded into a single reused buffer: writeSnapshot has
 * written a section before it asks for the next. (A fresh 1 MiB buffer per
 * section made V8 run full collections for the external memory, measured at
 * 10 million ids.)
 */
function* chunks(kind: number, count: number, put: (buf: Buffer, at: number, i: number) => number): Generator<Buffer> {
  const buf = Buffer.allocUnsafe(CHUNK_BYTES);
  let at = SECTION_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    if (at + MAX_ENTRY_BYTES > buf.length) {
      yield sealSection(buf.subarray(0, at), kind);
      at = SECTION_HEADER_BYTES;
    }
    at = put(buf, at, i);
  }
  if (at > SECTION_HEADER_BYTES) yield sealSection(buf.subarray(0, at), kind);
}

/** Writes `text` as UTF-8 after a little-endian length of `lengthBytes` (1 or 2); returns the offset after it. */
function putText(buf: Buffer, at: number, text: string, lengthBytes: 1 | 2): number {
  if (text.length > (lengthBytes === 1 ? 0xff / 3 : MAX_TEXT)) throw new RangeError(`snapshot entry of ${text.length} characters is too long`);
  const n = buf.write(text, at + lengthBytes, 'utf8');
  if (lengthBytes === 1) buf[at] = n;
  else buf.writeUInt16LE(n, at);
  return at + lengthBytes + n;
}

/** Reads a snapshot's sections into `sink`, in order. Throws on anything but the layout encodeSnapshot writes. */
export function decodeSnapshot(sections: Iterable<Section>, sink: SnapshotSink): SnapshotHead {
  let head: SnapshotHead | undefined;
  for (const { kind, payload } of sections) {
    if (kind === KIND.head) {
      if (head) throw new Error('a second head section');
      head = JSON.parse(payload.toString('utf8')) as SnapshotHead;
      if (head.v !== SNAPSHOT_FORMAT) throw new Error(`snapshot format ${String(head.v)} is not supported by this version`);
      sink.head(head);
      continue;
    }
    if (!head) throw new Error(`section ${kind} before the head`);
    const r = new EntryReader(payload);
    if (kind === KIND.dedupe) while (!r.done) sink.dedupe(r.text(2), r.text(1), r.double());
    else if (kind === KIND.users) while (!r.done) sink.user(r.text(2), r.double(), r.byte() === 1);
    else throw new Error(`unknown section kind ${kind}`);
  }
  if (!head) throw new Error('no head section');
  return head;
}

class EntryReader {
  readonly #buf: Buffer;
  #at = 0;

  constructor(buf: Buffer) {
    this.#buf = buf;
  }

  get done(): boolean {
    return this.#at >= this.#buf.length;
  }

  text(lengthBytes: 1 | 2): string {
    this.#need(lengthBytes);
    const n = lengthBytes === 1 ? this.#buf[this.#at]! : this.#buf.readUInt16LE(this.#at);
    const start = this.#at + lengthBytes;
    this.#at = start;
    this.#need(n);
    this.#at += n;
    return this.#buf.toString('utf8', start, start + n);
  }

  double(): number {
    this.#need(8);
    const v = this.#buf.readDoubleLE(this.#at);
    this.#at += 8;
    return v;
  }

  byte(): number {
    this.#need(1);
    return this.#buf[this.#at++]!;
  }

  #need(n: number): void {
    if (this.#at + n > this.#buf.length) throw new Error('an entry runs past the end of its section');
  }
}
