import { describe, expect, it } from 'vitest';
import { BATCH_RECORD_KIND, batchRecordSeq, decodeBatchRecord, encodeBatchRecord, type BatchRecord } from '../../src/ingest/batch-record.ts';
import { FRAME_HEADER_BYTES, scanFrames } from '../../src/state/frame.ts';

const RECORDS: Array<[name: string, record: BatchRecord]> = [
  ['JSON, nothing skipped', { seq: 1, atMs: Date.parse('2026-11-24T10:00:00Z'), format: 'json', skipped: [], body: '{"events":[{"type":"invoice","amount_cents":1}]}' }],
  ['NDJSON with skipped positions', { seq: 42, atMs: 1_764_000_000_123, format: 'ndjson', skipped: [0, 3, 7], body: '{"type":"a"}\n\n{"type":"b"}\n' }],
  ['multi-byte text and escapes', { seq: 2 ** 40, atMs: 0, format: 'json', skipped: [1], body: '{"events":[{"user":"Zoë 😀 \\ud83d\\ude00 \\u0000"}]}' }],
  ['largest exact sequence number', { seq: Number.MAX_SAFE_INTEGER, atMs: 8.64e15, format: 'json', skipped: [4_294_967_295], body: '' }],
];

describe('journal batch record', () => {
  it.each(RECORDS)('%s: decodes to exactly what was encoded, in one intact frame', (_name, record) => {
    const frame = encodeBatchRecord(record);
    const scan = scanFrames(frame);
    expect(scan.stopReason).toBeUndefined();
    expect(scan.validBytes).toBe(frame.length);
    expect(scan.payloads).toHaveLength(1);
    const payload = scan.payloads[0]!;
    expect(payload.length).toBe(frame.length - FRAME_HEADER_BYTES);
    expect(payload[0]).toBe(BATCH_RECORD_KIND);
    expect(batchRecordSeq(payload)).toBe(record.seq);
    expect(decodeBatchRecord(payload)).toEqual(record);
  });

  it('holds the body bytes as sent (UTF-8), not a re-serialization', () => {
    const body = '{ "events" : [ {"type":"invoice", "amount_cents": 1.0e2, "user":"Zoë"} ] }';
    const frame = encodeBatchRecord({ seq: 7, atMs: 1, format: 'json', skipped: [], body });
    expect(frame.subarray(frame.length - Buffer.byteLength(body)).equals(Buffer.from(body, 'utf8'))).toBe(true);
  });

  it('records written back to back scan in order, and a flipped bit or a cut stops the scan there', () => {
    const frames = RECORDS.map(([, r]) => encodeBatchRecord(r));
    const all = Buffer.concat(frames);
    expect(scanFrames(all).payloads.map((p) => decodeBatchRecord(p))).toEqual(RECORDS.map(([, r]) => r));

    const flipped = Buffer.from(all);
    flipped[frames[0]!.length + FRAME_HEADER_BYTES + 30]! ^= 0x01;
    const damaged = scanFrames(flipped);
    expect(damaged.stopReason).toBe('checksum mismatch');
    expect(damaged.payloads).toHaveLength(1);

    const torn = scanFrames(all.subarray(0, all.length - 1));
    expect(torn.stopReason).toBe('torn payload');
    expect(torn.payloads).toHaveLength(RECORDS.length - 1);
  });

  it('refuses what it cannot represent or does not know', () => {
    expect(() => encodeBatchRecord({ seq: 1, atMs: 1, format: 'json', skipped: [], body: '{"user":"\ud800"}' })).toThrow(/well-formed/);
    const payload = encodeBatchRecord(RECORDS[1]![1]).subarray(FRAME_HEADER_BYTES);
    const otherKind = Buffer.from(payload);
    otherKind[0] = 9;
    expect(() => decodeBatchRecord(otherKind)).toThrow(/kind 9/);
    expect(() => batchRecordSeq(otherKind)).toThrow(/kind 9/);
    const otherFormat = Buffer.from(payload);
    otherFormat[1] = 5;
    expect(() => decodeBatchRecord(otherFormat)).toThrow(/format 5/);
    const tooManySkipped = Buffer.from(payload);
    tooManySkipped.writeUInt32LE(1000, 4);
    expect(() => decodeBatchRecord(tooManySkipped)).toThrow(/skipped positions/);
    expect(() => decodeBatchRecord(payload.subarray(0, 10))).toThrow(/shorter/);
  });
});
