import type { FastifyInstance } from 'fastify';
import type { PrometheusPull } from '../../telemetry/prometheus-pull.ts';
import { requireCredentials, type Credentials } from '../auth.ts';

/**
 * GET /metrics: the Prometheus text exposition of everything the agent
 * records (gzipped when the scraper accepts it); behind bearer or basic auth
 * when `credentials` has any.
 */
export function metricsRoute(prometheus: PrometheusPull, credentials: Credentials) {
  const authenticate = requireCredentials({ credentials, realm: 'qb-agent', message: '/metrics needs credentials (bearer token or basic auth)' });
  return async function register(app: FastifyInstance): Promise<void> {
    app.get('/metrics', {
      ...(authenticate ? { onRequest: authenticate } : {}),
      handler: async (request, reply) => {
        const scrape = await prometheus.scrape({ acceptEncoding: request.headers['accept-encoding'] });
        reply.code(scrape.status).header('content-type', scrape.contentType).header('vary', 'Accept-Encoding');
        if (scrape.contentEncoding) reply.header('content-encoding', scrape.contentEncoding);
        return reply.send(scrape.body);
      },
    });
  };
}
