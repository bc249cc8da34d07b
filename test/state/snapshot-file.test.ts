import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSnapshot, loadNewestSnapshot, readSections, sealSection, SECTION_HEADER_BYTES, snapshotName, writeSnapshot } from '../../src/state/snapshot-file.ts';
import { decodeSnapshot, encodeSnapshot, SNAPSHOT_FORMAT, type SnapshotContent, type SnapshotHead } from '../../src/state/snapshot-format.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'qb-snapfile-'));
  dirs.push(d);
  return d;
};

interface Contents {
  readonly head: SnapshotHead & Record<string, unknown>;
  readonly dedupe: { readonly ids: string[]; readonly fingerprints: string[]; readonly times: number[] };
  readonly users: { readonly users: string[]; readonly seenMs: number[]; readonly inactive: boolean[] };
}

/** Enough ids to span several ~1 MiB sections, some multi-byte, one at the 128-character id limit. */
function contents(seq: number, n = 30_000): Contents {
  const ids = Array.from({ length: n }, (_, i) => (i === 7 ? 'é😀'.repeat(42) + 'xy' : `id-${i}-${'x'.repeat(i % 97)}`));
  return {
    head: {
      v: SNAPSHOT_FORMAT,
      seq,
      takenAtMs: 1_795_000_000_123,
      metrics: { quality_billing_invoices_total: { counters: [{ a: { currency: 'EUR' }, v: 0.1 + 0.2 }] } },
      overflow: [['quality_billing_invoices_total', 3]],
    },
    dedupe: { ids, fingerprints: ids.map((_, i) => `fp${i}`.padEnd(28, '=')), times: ids.map((_, i) => 1_795_000_000_000 + i * 0.5) },
    users: { users: ['Zoë 😀', 'u2', 'u3'], seenMs: [1, 2.5, 3], inactive: [false, true, false] },
  };
}

/** The contents as a store writes them: its own head fields, the owner's head fields and entries. */
function encode(c: Contents): Generator<Buffer> {
  const { v: _v, seq, takenAtMs, ...owner } = c.head;
  const content: SnapshotContent = {
    head: owner,
    entries: {
      dedupe: { count: c.dedupe.ids.length, write: (out, i) => (out.text(c.dedupe.ids[i]!), out.shortText(c.dedupe.fingerprints[i]!), out.double(c.dedupe.times[i]!)) },
      users: { count: c.users.users.length, write: (out, i) => (out.text(c.users.users[i]!), out.double(c.users.seenMs[i]!), out.flag(c.users.inactive[i]!)) },
    },
  };
  return encodeSnapshot({ seq, takenAtMs }, content);
}

function read(path: string) {
  const dedupe: Array<[string, string, number]> = [];
  const users: Array<[string, number, boolean]> = [];
  let heads = 0;
  let head: Readonly<Record<string, unknown>> | undefined;
  decodeSnapshot(readSections(path), {
    head: (h) => {
      heads++;
      head = h;
    },
    entries: {
      dedupe: (e) => dedupe.push([e.text(), e.shortText(), e.double()]),
      users: (e) => users.push([e.text(), e.double(), e.flag()]),
    },
  });
  return { head, heads, dedupe, users };
}

describe('snapshot files', () => {
  it('round-trip exactly, in sections, and keep the event loop turning while written', async () => {
    const dir = tempDir();
    const c = contents(42);
    let ticks = 0;
    let ticking = true;
    const tick = () => {
      ticks++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    await writeSnapshot(dir, 42, encode(c));
    ticking = false;
    const path = join(dir, snapshotName(42));
    const sections = [...readSections(path)];
    expect(sections.length).toBeGreaterThan(3); // head, several dedupe chunks, users
    expect(ticks).toBeGreaterThanOrEqual(sections.length);

    expect(checkSnapshot(path)).toBeUndefined();
    const back = read(path);
    expect(back.head).toEqual(c.head);
    expect(back.heads).toBe(1);
    expect(back.dedupe).toEqual(c.dedupe.ids.map((id, i) => [id, c.dedupe.fingerprints[i], c.dedupe.times[i]]));
    expect(back.users).toEqual([['Zoë 😀', 1, false], ['u2', 2.5, true], ['u3', 3, false]]);
  });

  it('an empty store round-trips too', async () => {
    const dir = tempDir();
    const c = { ...contents(1, 0), users: { users: [], seenMs: [], inactive: [] } };
    await writeSnapshot(dir, 1, encode(c));
    const back = read(join(dir, snapshotName(1)));
    expect(back.head).toEqual(c.head);
    expect(back.dedupe).toEqual([]);
    expect(back.users).toEqual([]);
  });

  it('any damaged byte or a cut anywhere is caught by the checksum, and loading falls back to the previous snapshot', async () => {
    const dir = tempDir();
    await writeSnapshot(dir, 1, encode(contents(1, 2000)));
    await writeSnapshot(dir, 2, encode(contents(2, 2000)));
    const newest = join(dir, snapshotName(2));
    const good = readFileSync(newest);
    // [byte flipped, reason]: the magic, a section length, section bodies, the end marker, the checksum itself.
    const flips: Array<[number, string]> = [
      [0, 'not a snapshot of this format'],
      [9, 'checksum mismatch'],
      [200, 'checksum mismatch'],
      [good.length >> 1, 'checksum mismatch'],
      [good.length - 9, 'torn (no end section)'],
      [good.length - 3, 'checksum mismatch'],
      [good.length - 1, 'checksum mismatch'],
    ];
    for (const [at, reason] of flips) {
      const bad = Buffer.from(good);
      bad[at]! ^= 0x40;
      writeFileSync(newest, bad);
      expect(checkSnapshot(newest), `byte ${at}`).toBe(reason);
    }
    // [size cut to, reason]: below magic + end section, then cuts that lose the end section.
    const cuts: Array<[number, string]> = [
      [0, 'torn (shorter than an empty snapshot)'],
      [5, 'torn (shorter than an empty snapshot)'],
      [16, 'torn (shorter than an empty snapshot)'],
      [good.length >> 1, 'torn (no end section)'],
      [good.length - 1, 'torn (no end section)'],
    ];
    for (const [size, reason] of cuts) {
      writeFileSync(newest, good);
      truncateSync(newest, size);
      expect(checkSnapshot(newest), `cut at ${size}`).toBe(reason);
    }
    const { snapshot, damaged } = loadNewestSnapshot(dir);
    expect(snapshot?.seq).toBe(1);
    expect(damaged).toEqual([`${newest}: torn (no end section)`]);
    writeFileSync(newest, good);
    expect(loadNewestSnapshot(dir)).toEqual({ snapshot: { seq: 2, path: newest }, damaged: [] });
  });

  it('refuses a snapshot of another format version even with an intact checksum', async () => {
    const dir = tempDir();
    const c = contents(3, 10);
    // Written by hand: the encoder only writes its own format.
    const json = Buffer.from(JSON.stringify({ ...c.head, v: 9 }));
    const head = Buffer.concat([Buffer.alloc(SECTION_HEADER_BYTES), json]);
    await writeSnapshot(dir, 3, [sealSection(head, 1)]);
    expect(checkSnapshot(join(dir, snapshotName(3)))).toBeUndefined();
    expect(() => read(join(dir, snapshotName(3)))).toThrow('snapshot format 9 is not supported by this version');
  });
});
