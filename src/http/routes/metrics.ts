import type { FastifyInstance } from 'fastify';
import type { PrometheusPull } from '../../telemetry/prometheus-pull.ts';

/** GET /metrics: the Prometheus text exposition of everything the agent records; gzipped when the scraper accepts it. */
export function metricsRoute(prometheus: PrometheusPull) {
  return async function register(app: FastifyInstance): Promise<void> {
    app.get('/metrics', async (request, reply) => {
      const scrape = await prometheus.scrape({ acceptEncoding: request.headers['accept-encoding'] });
      reply.code(scrape.status).header('content-type', scrape.contentType).header('vary', 'Accept-Encoding');
      if (scrape.contentEncoding) reply.header('content-encoding', scrape.contentEncoding);
      return reply.send(scrape.body);
    });
  };
}
