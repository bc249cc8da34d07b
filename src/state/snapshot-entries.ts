/**
 * The fields an entry of a snapshot's entry section is made of, little-endian:
 *
 *   text       u16 length | UTF-8 (at most MAX_TEXT UTF-16 code units)
 *   shortText  u8 length  | UTF-8 (at most MAX_SHORT_TEXT code units)
 *   double     f64
 *   flag       u8 (0 or 1)
 *
 * An entry has no length of its own: the owner of a section writes and reads
 * its fields in the same order (snapshot-format.ts: SnapshotContent,
 * SnapshotRestorer).
 */

/** Longest text (UTF-16 code units) whose UTF-8 length always fits a u16. Ids are at most 128 characters. */
export const MAX_TEXT = Math.floor(0xffff / 3);
const MAX_SHORT_TEXT = Math.floor(0xff / 3);
/** Largest entry in bytes: two texts plus 16 bytes of numbers. */
export const MAX_ENTRY_BYTES = 2 * (2 + 3 * MAX_TEXT) + 16;

/** Writes one entry's fields into a section buffer built in place. */
export class EntryWriter {
  readonly #buf: Buffer;
  #at: number;
  #entryStart = 0;

  constructor(buf: Buffer, at: number) {
    this.#buf = buf;
    this.#at = at;
  }

  /** Bytes written so far, the section header included. */
  get at(): number {
    return this.#at;
  }

  /** Starts the next section's entries after its header. */
  rewind(at: number): void {
    this.#at = at;
  }

  /** Marks the start of an entry; end() checks it stayed within MAX_ENTRY_BYTES. */
  begin(): void {
    this.#entryStart = this.#at;
  }

  end(): void {
    if (this.#at - this.#entryStart > MAX_ENTRY_BYTES) throw new RangeError(`snapshot entry of ${this.#at - this.#entryStart} bytes exceeds ${MAX_ENTRY_BYTES}`);
  }

  text(value: string): void {
    this.#text(value, 2, MAX_TEXT);
  }

  shortText(value: string): void {
    this.#text(value, 1, MAX_SHORT_TEXT);
  }

  double(value: number): void {
    this.#room(8);
    this.#at = this.#buf.writeDoubleLE(value, this.#at);
  }

  flag(value: boolean): void {
    this.#room(1);
    this.#at = this.#buf.writeUInt8(value ? 1 : 0, this.#at);
  }

  #text(value: string, lengthBytes: 1 | 2, maxLength: number): void {
    if (value.length > maxLength) throw new RangeError(`snapshot entry of ${value.length} characters is too long`);
    this.#room(lengthBytes + 3 * value.length);
    const n = this.#buf.write(value, this.#at + lengthBytes, 'utf8');
    if (lengthBytes === 1) this.#buf[this.#at] = n;
    else this.#buf.writeUInt16LE(n, this.#at);
    this.#at += lengthBytes + n;
  }

  /** Buffer.write silently stops at the end of the buffer: never let it. */
  #room(bytes: number): void {
    if (this.#at + bytes > this.#buf.length) throw new RangeError('snapshot entry runs past its section buffer');
  }
}

/** Reads one entry's fields back, in the order they were written. */
export class EntryReader {
  readonly #buf: Buffer;
  #at = 0;

  constructor(buf: Buffer) {
    this.#buf = buf;
  }

  get done(): boolean {
    return this.#at >= this.#buf.length;
  }

  text(): string {
    this.#need(2);
    return this.#string(2, this.#buf.readUInt16LE(this.#at));
  }

  shortText(): string {
    this.#need(1);
    return this.#string(1, this.#buf[this.#at]!);
  }

  double(): number {
    this.#need(8);
    const v = this.#buf.readDoubleLE(this.#at);
    this.#at += 8;
    return v;
  }

  flag(): boolean {
    this.#need(1);
    return this.#buf[this.#at++] === 1;
  }

  #string(lengthBytes: number, n: number): string {
    const start = this.#at + lengthBytes;
    this.#at = start;
    this.#need(n);
    this.#at += n;
    return this.#buf.toString('utf8', start, start + n);
  }

  #need(n: number): void {
    if (this.#at + n > this.#buf.length) throw new Error('an entry runs past the end of its section');
  }
}
