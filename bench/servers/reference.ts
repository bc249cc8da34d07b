/**
 * The W1 peers, on the agent's own HTTP stack (buildApp + eventsRoute: same
 * fastify options, body parsing, schema validation, error handling):
 *   --mode floor       parse + validate every event, record nothing
 *   --mode prom-client parse + validate, then record the same catalogue into prom-client
 * Prints "listening <url>" when ready.
 */
import { parseArgs } from 'node:util';
import { createNoopMeter } from '@opentelemetry/api';
import { pino } from 'pino';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { CATALOGUE, prometheusName, type MetricSpec } from '../../src/business/catalogue.ts';
import type { BusinessEvent } from '../../src/business/events.ts';
import { validateEvent } from '../../src/business/validate.ts';
import { buildApp } from '../../src/http/app.ts';
import type { EventSink } from '../../src/ingest/event-sink.ts';
import { eventsRoute } from '../../src/ingest/routes/events.ts';

const { values } = parseArgs({ options: { mode: { type: 'string', default: 'floor' }, port: { type: 'string', default: '0' } } });
const registry = new Registry();

function checkAll(raw: readonly unknown[]): void {
  for (let i = 0; i < raw.length; i++) {
    if (validateEvent(raw[i], i).length > 0) throw Object.assign(new Error('invalid event'), { statusCode: 400 });
  }
}

type Rec = (event: BusinessEvent) => void;

/** The agent's catalogue recorded with prom-client (same names, labels and buckets). */
function promClientRecorder(): Rec {
  const c = (spec: MetricSpec) => new Counter({ name: prometheusName(spec), help: spec.help, labelNames: [...spec.labels], registers: [registry] });
  const h = (spec: MetricSpec) =>
    new Histogram({ name: spec.name, help: spec.help, labelNames: [...spec.labels], buckets: [...(spec.buckets ?? [])], registers: [registry] });
  const workTime = c(CATALOGUE.workTime);
  const effective = c(CATALOGUE.effectiveWorkTime);
  const sessions = c(CATALOGUE.workSessions);
  const score = h(CATALOGUE.qualityScore);
  const assessments = c(CATALOGUE.qualityAssessments);
  const improvement = h(CATALOGUE.qualityImprovement);
  const invoices = c(CATALOGUE.invoices);
  const amount = c(CATALOGUE.invoiceAmount);
  const billed = c(CATALOGUE.billedTime);
  const requests = c(CATALOGUE.apiRequests);
  const responseTime = h(CATALOGUE.apiResponseTime);
  const events = new Counter({ name: 'qb_agent_events_total', help: 'events', labelNames: ['type', 'outcome'], registers: [registry] });
  const users = new Map<string, number>();
  new Gauge({ name: CATALOGUE.activeUsers.name, help: CATALOGUE.activeUsers.help, registers: [registry], collect() { this.set(users.size); } });
  const grade = (s: number) => (s >= 90 ? 'A' : s >= 80 ? 'B' : s >= 70 ? 'C' : 'D');
  return (e) => {
    switch (e.type) {
      case 'work_session':
        workTime.inc({ task_type: e.task_type }, e.duration_seconds);
        effective.inc({ task_type: e.task_type }, e.effective_seconds);
        sessions.inc({ task_type: e.task_type }, 1);
        users.set(e.user, Date.now());
        break;
      case 'user_activity':
        users.set(e.user, Date.now());
        break;
      case 'quality_assessment':
        score.observe({ task_type: e.task_type }, e.score);
        assessments.inc({ task_type: e.task_type, grade: grade(e.score) }, 1);
        if (e.previous_score !== undefined) improvement.observe({ task_type: e.task_type }, e.score - e.previous_score);
        break;
      case 'invoice': {
        const l = { currency: e.currency, quality_grade: e.quality_grade };
        invoices.inc(l, 1);
        amount.inc(l, e.amount_cents);
        billed.inc(l, e.billed_hours * 3600);
        break;
      }
      case 'api_request':
        requests.inc({ route: e.route, method: e.method, status_code: String(e.status_code) }, 1);
        responseTime.observe({ route: e.route, method: e.method }, e.duration_seconds);
        break;
    }
    events.inc({ type: e.type, outcome: 'accepted' }, 1);
  };
}

const record: Rec | undefined = values.mode === 'prom-client' ? promClientRecorder() : undefined;
const sink: EventSink = {
  ingest(raw) {
    checkAll(raw);
    if (record) for (const e of raw) record(e as BusinessEvent);
    return { accepted: raw.length, duplicates: 0 };
  },
};

const app = buildApp({
  log: pino({ level: 'warn' }),
  routes: [
    eventsRoute({ sink, credentials: { bearerTokens: [] }, maxBodyBytes: 4 * 1024 * 1024, maxEventsPerBatch: 10_000, requests: createNoopMeter().createCounter('x') }),
    async (a) => {
      a.get('/metrics', async (_req, reply) => reply.header('content-type', registry.contentType).send(await registry.metrics()));
    },
  ],
});
const address = await app.listen({ host: '127.0.0.1', port: Number(values.port) });
process.stdout.write(`listening ${address}\n`);
for (const s of ['SIGTERM', 'SIGINT'] as const) process.on(s, () => void app.close().then(() => process.exit(0)));
