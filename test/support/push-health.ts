import { parseExposition, select } from './prom-text.ts';

export interface PushHealth {
  /** qb_agent_otlp_exports_total by outcome, from /metrics. */
  readonly failures: number;
  readonly successes: number;
  /** The status page's push section (/api/status). */
  readonly status: { consecutiveFailures: number; failures: number; successes: number; lastError: string | null };
}

/** An agent's OTLP push health as an operator sees it: its export self-metrics and the status page. */
export async function pushHealth(agentUrl: string): Promise<PushHealth> {
  const samples = parseExposition(await (await fetch(`${agentUrl}/metrics`)).text());
  const count = (outcome: string) => select(samples, 'qb_agent_otlp_exports_total', { outcome }).reduce((n, s) => n + s.value, 0);
  const status = ((await (await fetch(`${agentUrl}/api/status`)).json()) as { push: PushHealth['status'] }).push;
  return { failures: count('failure'), successes: count('success'), status };
}
