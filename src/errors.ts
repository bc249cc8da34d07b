/**
 * Every error the HTTP API answers with: a stable machine-readable code, its
 * status and what it means. docs/api.md lists this table (generated, drift-tested);
 * clients branch on `error`, never on `message`.
 */
export const ERRORS = {
  malformed_request: { status: 400, meaning: 'The request is not valid HTTP/1.1 (request line, headers, chunked framing) or its URL cannot be decoded. The connection is closed.' },
  malformed_body: { status: 400, meaning: 'The body is not valid JSON / NDJSON, or not of the documented shape (an event nesting arrays or objects too deep, a gzip body that cannot be decompressed).' },
  invalid_events: { status: 400, meaning: 'At least one event failed validation; nothing in the batch was recorded. `details` lists each problem.' },
  unauthorized: { status: 401, meaning: 'Missing or wrong credentials: the ingest bearer token, or the /metrics bearer token or basic-auth user.' },
  not_found: { status: 404, meaning: 'No such route.' },
  request_timeout: { status: 408, meaning: 'The headers did not arrive within http.headersTimeoutMs, or the whole request within http.requestTimeoutMs. The connection is closed; retrying is safe.' },
  id_conflict: { status: 409, meaning: 'An event id was already accepted with different content; nothing in the batch was recorded. `details` lists the indexes.' },
  body_too_large: { status: 413, meaning: 'The body is larger than ingest.maxBodyBytes; a gzip body counts both compressed and decompressed.' },
  too_many_events: { status: 413, meaning: 'The batch has more events than ingest.maxEventsPerBatch.' },
  unsupported_media_type: { status: 415, meaning: 'Content-Type is neither application/json nor application/x-ndjson.' },
  unsupported_encoding: { status: 415, meaning: 'Content-Encoding is neither gzip nor identity; the Accept-Encoding header of the answer lists what is accepted.' },
  overloaded: { status: 429, meaning: 'Too many ingest requests in flight; retry after the Retry-After seconds.' },
  headers_too_large: { status: 431, meaning: 'The request line and headers are larger than 16 KiB. The connection is closed.' },
  internal: { status: 500, meaning: 'An unexpected error; the batch was not recorded. Safe to retry with the same ids.' },
  not_ready: { status: 503, meaning: 'The agent is starting or shutting down; retry shortly.' },
  storage_unavailable: { status: 503, meaning: 'The event journal (state.dir) cannot be written; nothing was recorded. Retry later with the same ids.' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface ErrorBody {
  readonly error: ErrorCode;
  readonly message: string;
  readonly details?: readonly unknown[];
}

/** An error that becomes the JSON body `{error, message, details?}` with the catalogue's status. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: readonly unknown[] | undefined;

  constructor(code: ErrorCode, message: string, details?: readonly unknown[]) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.details = details;
  }

  toBody(): ErrorBody {
    return { error: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}
