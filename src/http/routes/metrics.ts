import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.ts';
import type { PrometheusPull } from '../../telemetry/prometheus-pull.ts';

export interface MetricsRouteAuth {
  readonly check: (authorization: string | undefined) => boolean;
  /** WWW-Authenticate value sent with a 401. */
  readonly challenge: string;
}

/** GET /metrics: the Prometheus text exposition of everything the agent records (gzipped when the scraper accepts it); optionally behind bearer or basic auth. */
export function metricsRoute(prometheus: PrometheusPull, auth?: MetricsRouteAuth) {
  return async function register(app: FastifyInstance): Promise<void> {
    app.get('/metrics', async (request, reply) => {
      if (auth && !auth.check(request.headers.authorization)) {
        const err = new ApiError('unauthorized', '/metrics needs credentials (bearer token or basic auth)');
        return reply.code(err.status).header('www-authenticate', auth.challenge).send(err.toBody());
      }
      const scrape = await prometheus.scrape({ acceptEncoding: request.headers['accept-encoding'] });
      reply.code(scrape.status).header('content-type', scrape.contentType).header('vary', 'Accept-Encoding');
      if (scrape.contentEncoding) reply.header('content-encoding', scrape.contentEncoding);
      return reply.send(scrape.body);
    });
  };
}
