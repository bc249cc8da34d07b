import type { Counter } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.ts';
import { decodeContentEncoding } from '../../http/content-encoding.ts';
import { requireCredentials, type Credentials } from '../../http/auth.ts';
import type { EventSink } from '../event-sink.ts';
import { parseEventsBody, type BodyFormat } from '../parse-body.ts';

export interface EventsRouteOptions {
  /** The Ingestor, or the durable sink in front of it. */
  readonly sink: EventSink;
  /** Most requests handled at once; beyond it 429 with Retry-After. Unbounded when undefined. */
  readonly maxInFlight?: number;
  /** The bearer tokens ingest accepts (ingest.tokens); none: no authentication. */
  readonly credentials: Credentials;
  readonly maxBodyBytes: number;
  readonly maxEventsPerBatch: number;
  readonly requests: Counter;
  /** Told about every answer as it is sent (the status page counts them and keeps the rejected ones). */
  readonly onAnswer?: (answer: IngestAnswer) => void;
}

/** One answer of POST /v1/events: who asked, the status, the serialized body and the request body as text (undefined when never read). */
export interface IngestAnswer {
  readonly client: string;
  readonly status: number;
  readonly response: unknown;
  readonly body: unknown;
}

const MEDIA_TYPES: Record<string, BodyFormat> = {
  'application/json': 'json',
  'application/x-ndjson': 'ndjson',
};

/**
 * POST /v1/events: the ingest API (docs/api.md). Authentication happens before
 * the body is read; a gzip body is decompressed as it arrives; the body then
 * arrives as text so parse errors can say where.
 */
export function eventsRoute(options: EventsRouteOptions) {
  const authenticate = requireCredentials({ credentials: options.credentials, realm: 'qb-agent', message: 'missing or invalid bearer token' });
  return async function register(app: FastifyInstance): Promise<void> {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(Object.keys(MEDIA_TYPES), { parseAs: 'string', bodyLimit: options.maxBodyBytes }, (_req, body, done) => {
      done(null, body);
    });

    app.addHook('onResponse', async (_request, reply) => {
      options.requests.add(1, { status_code: String(reply.statusCode) });
    });
    if (options.onAnswer) {
      const onAnswer = options.onAnswer;
      app.addHook('onSend', async (request, reply, payload) => {
        try {
          onAnswer({ client: request.ip, status: reply.statusCode, response: payload, body: request.body });
        } catch (err) {
          // Bookkeeping for the status page must never change the answer the client gets.
          request.log.error({ err }, 'recording the answer for the status page failed');
        }
        return payload;
      });
    }

    // Requests past authentication and not yet answered; a Set so a request is released exactly once.
    const inFlight = new Set<object>();
    const release = async (request: object) => {
      inFlight.delete(request);
    };
    app.post('/v1/events', {
      bodyLimit: options.maxBodyBytes,
      preParsing: decodeContentEncoding({ maxBytes: options.maxBodyBytes }),
      onRequest: async (request, reply) => {
        if (authenticate) await authenticate(request, reply);
        if (options.maxInFlight !== undefined && inFlight.size >= options.maxInFlight) {
          reply.header('retry-after', '1');
          throw new ApiError('overloaded', `${inFlight.size} ingest requests are in flight (ingest.maxInFlight); retry after 1 second`);
        }
        inFlight.add(request);
      },
      onResponse: async (request) => release(request),
      onRequestAbort: async (request) => release(request),
      handler: async (request, reply) => {
        const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        const format = MEDIA_TYPES[mediaType];
        if (format === undefined) {
          throw new ApiError('unsupported_media_type', 'Content-Type must be application/json or application/x-ndjson');
        }
        const body = typeof request.body === 'string' ? request.body : '';
        const events = parseEventsBody(body, format);
        if (events.length === 0) throw new ApiError('malformed_body', 'the batch holds no events');
        if (events.length > options.maxEventsPerBatch) {
          throw new ApiError('too_many_events', `the batch holds ${events.length} events; the limit is ${options.maxEventsPerBatch}`);
        }
        const result = await options.sink.ingest(events, { body, format });
        return reply.code(202).send(result);
      },
    });
  };
}
