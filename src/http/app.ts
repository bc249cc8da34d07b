import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import { ApiError } from '../errors.ts';
import type { Logger } from '../log.ts';

export interface AppOptions {
  readonly log: Logger;
  /** Route plugins, registered in order. */
  readonly routes: readonly FastifyPluginAsync[];
  /** Default body limit; routes that accept bodies set their own. */
  readonly bodyLimit?: number;
  /** Socket timeouts and TLS; defaults suit tests driving the app through inject(). */
  readonly server?: ServerOptions;
}

export interface ServerOptions {
  /** PEM certificate and key: serve HTTPS. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  /** Time to receive the request headers (slowloris guard). */
  readonly headersTimeoutMs: number;
  /** Time to receive the whole request. */
  readonly requestTimeoutMs: number;
  /** Idle time of a keep-alive connection between requests. */
  readonly keepAliveTimeoutMs: number;
}

const DEFAULT_SERVER: ServerOptions = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000 };

/** Fastify's per-request lines at debug instead of info: a scrape every few seconds must not flood the logs. */
class DebugRequestLogs extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ method: request.method, url: request.url }, 'incoming request');
  }

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    reply.log.debug({ status: reply.statusCode, ms: reply.elapsedTime, err: error ?? undefined }, 'request completed');
  }
}

/**
 * Builds the HTTP app without listening, so tests drive it through inject().
 * Every error leaves as the catalogue's JSON body; request logs are debug-level
 * (a scrape every few seconds must not flood the logs).
 */
export function buildApp(options: AppOptions): FastifyInstance {
  const server = options.server ?? DEFAULT_SERVER;
  // Node checks the header and request deadlines every connectionsCheckingInterval (30 s by default):
  // check often enough that a slow client is cut close to its deadline.
  const nodeServer = {
    headersTimeout: server.headersTimeoutMs,
    requestTimeout: server.requestTimeoutMs,
    keepAliveTimeout: server.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, Math.ceil(server.headersTimeoutMs / 2)),
  };
  const app = Fastify({
    ...(server.tls ? { https: { ...nodeServer, cert: server.tls.cert, key: server.tls.key } } : { http: nodeServer }),
    keepAliveTimeout: server.keepAliveTimeoutMs,
    requestTimeout: server.requestTimeoutMs,
    loggerInstance: options.log as FastifyBaseLogger,
    logController: new DebugRequestLogs(),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // Idle keep-alive sockets are closed on shutdown so close() returns promptly.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  }) as unknown as FastifyInstance;

  app.setNotFoundHandler((request, reply) => {
    const err = new ApiError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`);
    return reply.code(err.status).send(err.toBody());
  });

  app.setErrorHandler((caught, request, reply) => {
    const error = caught as FastifyError;
    if (error instanceof ApiError) return reply.code(error.status).send(error.toBody());
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 413) {
      const err = new ApiError('body_too_large', error.message);
      return reply.code(err.status).send(err.toBody());
    }
    if (status === 415) {
      const err = new ApiError('unsupported_media_type', 'Content-Type must be application/json or application/x-ndjson');
      return reply.code(err.status).send(err.toBody());
    }
    if (status !== undefined && status >= 400 && status < 500) {
      const err = new ApiError('malformed_body', error.message);
      return reply.code(err.status).send(err.toBody());
    }
    request.log.error({ err: error }, 'unhandled error in request');
    const err = new ApiError('internal', 'internal error; nothing was recorded');
    return reply.code(err.status).send(err.toBody());
  });

  for (const route of options.routes) void app.register(route);
  return app;
}
