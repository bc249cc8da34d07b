import { PassThrough, type Readable } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.ts';

/** Request Content-Encodings accepted, as an Accept-Encoding answer lists them (RFC 7694). */
export const ACCEPTED_ENCODINGS = 'gzip, identity';

export interface DecodingOptions {
  /** Most bytes a body may have, compressed and decompressed alike. */
  readonly maxBytes: number;
  /** The gzip decompressor; tests wrap it to count what it produces. */
  readonly createGunzip?: () => Gunzip;
}

/** The stream fastify reads the body from, with the wire byte count it checks against Content-Length and bodyLimit. */
type DecodedBody = Readable & { readonly receivedEncodedLength: number };

/**
 * A preParsing hook that decompresses `Content-Encoding: gzip` bodies as they
 * arrive (and `x-gzip`, which RFC 9110 §8.4.1.3 says to treat as gzip), so the
 * routes and the journal see the plain body, byte for byte what an
 * uncompressed request would carry. `identity` (or no header) passes the body
 * through. Anything else (deflate, br, zstd, several codings) is refused with
 * 415 and an Accept-Encoding header listing what is accepted.
 */
export function decodeContentEncoding(options: DecodingOptions) {
  return async function preParsing(request: FastifyRequest, reply: FastifyReply, payload: Readable): Promise<Readable> {
    const header = request.headers['content-encoding'];
    const coding = (Array.isArray(header) ? header.join(',') : (header ?? '')).trim().toLowerCase();
    if (coding === '' || coding === 'identity') return payload;
    if (coding === 'gzip' || coding === 'x-gzip') return gunzipWithin(payload, options.maxBytes, options.createGunzip ?? createGunzip);
    void reply.header('accept-encoding', ACCEPTED_ENCODINGS);
    throw new ApiError('unsupported_encoding', `Content-Encoding ${JSON.stringify(coding.slice(0, 64))} is not supported; send gzip, or identity (uncompressed)`);
  };
}

/**
 * Inflates `source` into the returned stream, stopping as soon as the output
 * passes `maxBytes`: a zip bomb costs at most the limit plus one zlib chunk.
 * A corrupt or truncated gzip stream ends it with `malformed_body`.
 */
export function gunzipWithin(source: Readable, maxBytes: number, create: () => Gunzip): DecodedBody {
  let encoded = 0;
  let decoded = 0;
  const inflater = create();
  const out = new PassThrough();
  const stop = (err: Error) => {
    source.unpipe(inflater);
    inflater.destroy();
    out.destroy(err);
  };
  source.on('data', (chunk: Buffer) => {
    encoded += chunk.length;
  });
  source.on('error', stop);
  inflater.on('error', (err) => stop(new ApiError('malformed_body', `the gzip body cannot be decompressed: ${err.message}`)));
  inflater.on('data', (chunk: Buffer) => {
    decoded += chunk.length;
    if (decoded > maxBytes) {
      stop(new ApiError('body_too_large', `the body decompresses to more than ${maxBytes} bytes (ingest.maxBodyBytes)`));
      return;
    }
    if (!out.write(chunk)) {
      inflater.pause();
      out.once('drain', () => inflater.resume());
    }
  });
  inflater.on('end', () => out.end());
  source.pipe(inflater);
  return Object.defineProperty(out, 'receivedEncodedLength', { get: () => encoded }) as unknown as DecodedBody;
}
