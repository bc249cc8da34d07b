import type { FastifyInstance } from 'fastify';
import type { PrometheusPull } from '../../telemetry/prometheus-pull.ts';

/** GET /metrics: the Prometheus text exposition of everything the agent records. */
export function metricsRoute(prometheus: PrometheusPull) {
  return async function register(app: FastifyInstance): Promise<void> {
    app.get('/metrics', async (_request, reply) => {
      const scrape = await prometheus.scrape();
      return reply.code(scrape.status).header('content-type', scrape.contentType).send(scrape.body);
    });
  };
}
