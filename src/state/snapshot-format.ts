import { EntryReader, EntryWriter, MAX_ENTRY_BYTES } from './snapshot-entries.ts';
import { SECTION_HEADER_BYTES, sealSection, type Section } from './snapshot-file.ts';

/**
 * What a snapshot holds, section by section (snapshot-file.ts frames them).
 * The list of sections and their layout belong to this library; what an
 * entry means belongs to the owner of the state, which supplies the content
 * (SnapshotContent) and takes it back (SnapshotRestorer):
 *
 *   1 head    JSON: {"v": SNAPSHOT_FORMAT, "seq", "takenAtMs", ...the owner's head fields}
 *   2 dedupe  entries: remembered event ids in acceptance order
 *   3 users   entries: active users, least recently seen first
 *
 * The head comes first and once; each entry section follows in this order, in
 * chunks of about CHUNK_BYTES (snapshot-entries.ts: the fields of an entry),
 * so neither side ever holds its entries as one string.
 *
 * Adding a section: its name and the next kind in ENTRY_SECTIONS; the owner
 * then has to supply and read it (the types require both). A reader refuses
 * a kind it does not know, so an older version refuses a newer file instead
 * of half-restoring it; a newer version reads an older file (the section is
 * simply absent). Bump SNAPSHOT_FORMAT when an existing section changes its
 * layout or meaning.
 */
export const SNAPSHOT_FORMAT = 2;
const HEAD_KIND = 1;
export const ENTRY_SECTIONS = { dedupe: 2, users: 3 } as const;
export type EntrySection = keyof typeof ENTRY_SECTIONS;

const SECTION_BY_KIND: ReadonlyMap<number, EntrySection> = new Map(
  (Object.entries(ENTRY_SECTIONS) as Array<[EntrySection, number]>).map(([name, kind]) => [kind, name]),
);
const CHUNK_BYTES = 1024 * 1024;

/** The entries of one section, as a copy the owner took in one synchronous step. */
export interface EntryList {
  readonly count: number;
  /** Writes entry `i`, field by field. */
  write(out: EntryWriter, i: number): void;
}

/** The owner's part of a snapshot. */
export interface SnapshotContent {
  /** JSON-serializable fields of the head, beside the format version, sequence number and time. */
  readonly head: Readonly<Record<string, unknown>>;
  readonly entries: { readonly [S in EntrySection]: EntryList };
}

/** Takes a snapshot's content back as it is read: the head first, then every entry of each section in order. */
export interface SnapshotRestorer {
  head(head: Readonly<Record<string, unknown>>): void;
  /** Reads one entry, field by field, in the order it was written. */
  readonly entries: { readonly [S in EntrySection]: (entry: EntryReader) => void };
}

/** The store's part of the head. */
export interface SnapshotHead {
  readonly seq: number;
  readonly takenAtMs: number;
}

/**
 * Encodes a snapshot one section at a time; each next() does about
 * CHUNK_BYTES of work. A yielded section is only valid until the next one is
 * asked for (writeSnapshot has written it by then).
 */
export function* encodeSnapshot(head: SnapshotHead, content: SnapshotContent): Generator<Buffer> {
  const json = Buffer.from(JSON.stringify({ v: SNAPSHOT_FORMAT, seq: head.seq, takenAtMs: head.takenAtMs, ...content.head }));
  const section = Buffer.allocUnsafe(SECTION_HEADER_BYTES + json.length);
  json.copy(section, SECTION_HEADER_BYTES);
  yield sealSection(section, HEAD_KIND);
  for (const [name, kind] of Object.entries(ENTRY_SECTIONS) as Array<[EntrySection, number]>) yield* entrySections(kind, content.entries[name]);
}

/**
 * Sections of one kind, encoded into a single reused buffer. (A fresh 1 MiB
 * buffer per section made V8 run full collections for the external memory,
 * measured at 10 million ids.)
 */
function* entrySections(kind: number, list: EntryList): Generator<Buffer> {
  const buf = Buffer.allocUnsafe(CHUNK_BYTES);
  const out = new EntryWriter(buf, SECTION_HEADER_BYTES);
  for (let i = 0; i < list.count; i++) {
    if (out.at + MAX_ENTRY_BYTES > buf.length) {
      yield sealSection(buf.subarray(0, out.at), kind);
      out.rewind(SECTION_HEADER_BYTES);
    }
    out.begin();
    list.write(out, i);
    out.end();
  }
  if (out.at > SECTION_HEADER_BYTES) yield sealSection(buf.subarray(0, out.at), kind);
}

/** Reads a snapshot's sections into `restorer`, in order. Throws on anything but the layout encodeSnapshot writes. */
export function decodeSnapshot(sections: Iterable<Section>, restorer: SnapshotRestorer): SnapshotHead {
  let head: SnapshotHead | undefined;
  for (const { kind, payload } of sections) {
    if (kind === HEAD_KIND) {
      if (head) throw new Error('a second head section');
      const parsed = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
      if (parsed.v !== SNAPSHOT_FORMAT) throw new Error(`snapshot format ${String(parsed.v)} is not supported by this version`);
      restorer.head(parsed);
      head = { seq: Number(parsed.seq), takenAtMs: Number(parsed.takenAtMs) };
      continue;
    }
    if (!head) throw new Error(`section ${kind} before the head`);
    const name = SECTION_BY_KIND.get(kind);
    if (name === undefined) throw new Error(`unknown section kind ${kind}`);
    const read = restorer.entries[name];
    const entry = new EntryReader(payload);
    while (!entry.done) read(entry);
  }
  if (!head) throw new Error('no head section');
  return head;
}
