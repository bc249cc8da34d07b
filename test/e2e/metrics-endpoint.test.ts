import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnAgent, type AgentProcess } from '../support/agent-process.ts';
import { promtoolCheckMetrics } from '../support/promtool.ts';
import { parseExposition, select, valueOf } from '../support/prom-text.ts';
import { missingTool } from '../support/tools.ts';

/** With durable state (spawnAgent gives each agent a state dir) the instance id is a UUID kept there. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('a started agent', () => {
  let agent: AgentProcess;
  let body: string;
  let contentType: string | null;

  beforeAll(async () => {
    agent = await spawnAgent({ env: { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test,team=billing' } });
    const res = await fetch(`${agent.url}/metrics`);
    expect(res.status).toBe(200);
    contentType = res.headers.get('content-type');
    body = await res.text();
  });
  afterAll(async () => {
    await agent?.stop();
  });

  it('serves the text exposition format', () => {
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('serves target_info with the resource attributes', () => {
    const samples = parseExposition(body);
    const [info] = select(samples, 'target_info');
    expect(info?.value).toBe(1);
    expect(info?.labels).toMatchObject({
      service_name: 'qb-agent',
      service_version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      service_instance_id: expect.stringMatching(UUID),
      host_name: expect.any(String),
      deployment_environment_name: 'test',
      team: 'billing',
    });
  });

  it('serves every host metric the dashboards need', () => {
    const names = new Set(parseExposition(body).map((s) => s.name));
    for (const name of [
      'system_cpu_time_total',
      'system_cpu_utilization',
      'system_memory_usage',
      'system_memory_limit',
      'system_memory_utilization',
      'system_network_io_total',
      'system_network_errors_total',
      'system_filesystem_usage',
      'system_filesystem_utilization',
      'system_disk_io_total',
      'system_disk_operations_total',
      'process_cpu_time_total',
      'process_memory_usage',
    ]) {
      expect(names, name).toContain(name);
    }
  });

  it('reports every host collector as successful', () => {
    const samples = parseExposition(body);
    const collectors = select(samples, 'qb_agent_host_collector_success').map((s) => [s.labels.collector, s.value]);
    expect(Object.fromEntries(collectors)).toEqual({ cpu: 1, memory: 1, network: 1, filesystem: 1, diskio: 1, process: 1 });
  });

  it('serves its own build info and export counters', () => {
    const samples = parseExposition(body);
    expect(valueOf(samples, 'qb_agent_build_info')).toBe(1);
    expect(valueOf(samples, 'qb_agent_otlp_exports_total', { outcome: 'failure' })).toBe(0);
  });

  it('passes promtool check metrics', (ctx) => {
    const skip = missingTool('promtool');
    if (skip) return ctx.skip(skip);
    const result = promtoolCheckMetrics(body);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('answers health, readiness and unknown routes', async () => {
    expect(await (await fetch(`${agent.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${agent.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', state: { journalBytes: 0, writable: true, replayedRecords: 0, writeFailures: 0 } });
    const missing = await fetch(`${agent.url}/nope?x=1`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not_found', message: 'no route GET /nope' });
  });
});
