import type { FastifyInstance, FastifyReply } from 'fastify';
import { requireCredentials, type Credentials } from '../http/auth.ts';
import { STATUS_ASSETS } from './assets.generated.ts';
import type { StatusReport } from './report.ts';

export interface StatusRouteOptions {
  /** The bearer tokens that open the status (ingest.tokens and status.token); none: open (loopback without tokens). */
  readonly credentials: Credentials;
  readonly report: () => StatusReport;
}

/**
 * The page may load only its own script and style and talk only to its own
 * origin: it works air-gapped and an injected string can never load anything.
 */
export const STATUS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function secure(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', STATUS_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY');
}

/**
 * GET / (the operator status page), its script and style, and GET /api/status
 * (docs/status.md). The page and its assets are the same static bytes for
 * everyone and hold no data; every datum comes from /api/status, which needs
 * a bearer token whenever tokens are configured.
 */
export function statusRoutes(options: StatusRouteOptions) {
  const authenticate = requireCredentials({
    credentials: options.credentials,
    realm: 'qb-agent status',
    message: 'missing or invalid bearer token: use one of ingest.tokens or status.token',
  });
  return async function register(app: FastifyInstance): Promise<void> {
    const asset = (type: string, body: string) => async (_request: unknown, reply: FastifyReply) =>
      secure(reply).header('cache-control', 'no-cache').type(type).send(body);
    app.get('/', asset('text/html; charset=utf-8', STATUS_ASSETS.html));
    app.get('/status/app.js', asset('text/javascript; charset=utf-8', STATUS_ASSETS.js));
    app.get('/status/app.css', asset('text/css; charset=utf-8', STATUS_ASSETS.css));

    app.get('/api/status', {
      ...(authenticate ? { onRequest: authenticate } : {}),
      handler: async (_request, reply) => secure(reply).header('cache-control', 'no-store').send(options.report()),
    });
  };
}
