import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import { ApiError } from '../errors.ts';
import { clientErrorHandler } from './client-errors.ts';
import { errorAnswer } from './error-answer.ts';
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
 * Every error leaves as the catalogue's JSON body, whichever layer finds it
 * (Node's HTTP parser, fastify's routing and body parsing, a route); request
 * logs are debug-level (a scrape every few seconds must not flood the logs).
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
    // Requests arriving on open connections while closing get the catalogue's not_ready (hook below), not fastify's own 503 body.
    return503OnClosing: false,
    clientErrorHandler: clientErrorHandler(options.log),
    // A URL path that cannot be percent-decoded, answered before any route.
    frameworkErrors: (error, _request, reply) => {
      const { answer } = errorAnswer(error);
      void (reply as FastifyReply).code(answer.status).send(answer.toBody());
    },
  }) as unknown as FastifyInstance;

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!closing) return;
    void reply.header('connection', 'close');
    throw new ApiError('not_ready', 'the agent is shutting down; retry shortly');
  });

  app.setNotFoundHandler((request, reply) => {
    const err = new ApiError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`);
    return reply.code(err.status).send(err.toBody());
  });

  app.setErrorHandler((caught, request, reply) => {
    const { answer, expected } = errorAnswer(caught as FastifyError);
    if (!expected) request.log.error({ err: caught }, 'unhandled error in request');
    return reply.code(answer.status).send(answer.toBody());
  });

  for (const route of options.routes) void app.register(route);
  return app;
}
