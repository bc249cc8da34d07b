import { Readable } from 'node:stream';
import { createGunzip, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors.ts';
import { gunzipWithin } from '../../src/http/content-encoding.ts';

/** A gunzip that counts every byte it hands out. */
function countingGunzip() {
  const counter = { produced: 0 };
  const create = () => {
    const inflater = createGunzip();
    inflater.on('data', (chunk: Buffer) => (counter.produced += chunk.length));
    return inflater;
  };
  return { counter, create };
}

/** The request body arriving in chunks of `size` bytes, as a socket delivers it. */
function arriving(bytes: Buffer, size = 16 * 1024): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks, { objectMode: false });
}

async function drain(stream: Readable): Promise<{ body: Buffer } | { error: unknown }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return { body: Buffer.concat(chunks) };
  } catch (error) {
    return { error };
  }
}

describe('gunzipWithin', () => {
  it('gives the plain bytes and counts the compressed ones (for Content-Length)', async () => {
    const plain = Buffer.from(JSON.stringify({ events: Array.from({ length: 3000 }, (_, i) => ({ type: 'user_activity', user: `u${i}`, state: 'active' })) }));
    const packed = gzipSync(plain);
    const out = gunzipWithin(arriving(packed, 1000), plain.length, createGunzip);
    expect(await drain(out)).toEqual({ body: plain });
    expect(out.receivedEncodedLength).toBe(packed.length);
  });

  it('stops a zip bomb after inflating no more than the limit plus one zlib chunk', async () => {
    const limit = 1024 * 1024;
    // 1 GiB of zeros in about 1 MB: 16 gzip members of 64 MiB each (a gzip stream may hold several).
    const member = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const bomb = Buffer.concat(Array.from({ length: 16 }, () => member));
    const { counter, create } = countingGunzip();
    const result = await drain(gunzipWithin(arriving(bomb), limit, create));
    expect('error' in result && result.error).toBeInstanceOf(ApiError);
    const error = (result as { error: ApiError }).error;
    expect(error.toBody()).toEqual({ error: 'body_too_large', message: `the body decompresses to more than ${limit} bytes (ingest.maxBodyBytes)` });
    // zlib hands out 16 KiB at a time; what it made beyond the limit is that one chunk, not the other 1023 MiB.
    expect(counter.produced).toBeGreaterThan(limit);
    expect(counter.produced).toBeLessThanOrEqual(limit + 16 * 1024);
  });

  it('ends a corrupt or truncated stream with malformed_body', async () => {
    const packed = gzipSync('{"events":[]}');
    const corrupt = Buffer.from(packed);
    corrupt[packed.length - 5] = corrupt[packed.length - 5]! ^ 0xff; // inside the CRC-32
    for (const [bytes, reason] of [
      [Buffer.from('{"events":[]}'), 'incorrect header check'],
      [packed.subarray(0, 12), 'unexpected end of file'],
      [corrupt, 'incorrect data check'],
    ] as const) {
      const result = await drain(gunzipWithin(arriving(bytes), 1024, createGunzip));
      expect((result as { error: ApiError }).error.toBody()).toEqual({ error: 'malformed_body', message: `the gzip body cannot be decompressed: ${reason}` });
    }
  });
});
