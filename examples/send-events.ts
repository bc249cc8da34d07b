/**
 * Sends a few business events to a local agent with the client library.
 *
 *   npm run build && node dist/cli.js &          # an agent on 127.0.0.1:9464
 *   node examples/send-events.ts                 # QB_AGENT_URL / QB_AGENT_TOKEN to override
 *
 * In a service, import from the package instead:
 *   import { QbAgentClient, events } from 'quality-billing-agent/client';
 */
import { QbAgentClient, events } from '../src/client/index.ts';

const client = new QbAgentClient({
  url: process.env.QB_AGENT_URL ?? 'http://127.0.0.1:9464',
  token: process.env.QB_AGENT_TOKEN, // one of the agent's ingest.tokens, if it has any
  onError: (err) => console.error(`batch of ${err.events} events not delivered: ${err.message}`, err.details),
});

client.send(events.workSession({ user: 'annotator-17', task_type: 'labeling', duration_seconds: 1800, effective_seconds: 1500 }));
client.send(events.qualityAssessment({ task_type: 'labeling', score: 92, previous_score: 85 }));
// Your own id makes a resend after a crash safe: the agent counts an id once.
client.send(events.invoice({ id: 'invoice-2026-0042', amount_cents: 125_000, currency: 'EUR', quality_grade: 'A', billed_hours: 10 }));
client.send(events.apiRequest({ route: '/api/tasks/:id', method: 'GET', status_code: 200, duration_seconds: 0.042 }));

// On shutdown: deliver what is buffered (at most 10 s), then report.
await client.close();
console.log(client.stats()); // { sent: 4, accepted: 4, duplicates: 0, retries: 0, dropped: 0, failed: 0, buffered: 0 }
