import type { FastifyInstance } from 'fastify';
import type { Readiness } from '../readiness.ts';

/**
 * /healthz: the process is alive. /readyz: the pipeline is started (durable
 * state restored) and not shutting down; `detail` adds component facts such as
 * the journal size and last snapshot time.
 */
export function healthRoutes(readiness: Readiness, detail?: () => Record<string, unknown>) {
  return async function register(app: FastifyInstance): Promise<void> {
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/readyz', async (_request, reply) => {
      const phase = readiness.phase;
      return reply.code(phase === 'ready' ? 200 : 503).send({ status: phase, ...detail?.() });
    });
  };
}
