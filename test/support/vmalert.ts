import { serveTool } from './serve-tool.ts';
import { toolPath } from './tools.ts';

export interface RuleEngineAlert {
  readonly labels: Record<string, string>;
  readonly state: string;
}

export interface VmAlert {
  readonly url: string;
  /** Alerts vmalert holds now (pending and firing), from its Prometheus-compatible API. */
  alerts(): Promise<RuleEngineAlert[]>;
  stop(): Promise<void>;
}

/**
 * The push path's rule engine: vmalert from Debian's victoria-metrics package,
 * evaluating a Prometheus rule file against VictoriaMetrics and writing the
 * recorded series and alert state back into it by remote write, as
 * docs/provisioning.md ("Push: vmalert") sets it up. The test VictoriaMetrics
 * runs with -search.latencyOffset=0s, so evaluations need no delay either.
 */
export async function startVmAlert(options: { vmUrl: string; ruleFile: string; evaluationInterval: string; queryStep?: string }): Promise<VmAlert> {
  const binary = toolPath('vmalert');
  if (!binary) throw new Error('vmalert missing');
  const served = await serveTool({
    name: 'vmalert',
    binary,
    readyPath: '/health',
    args: (port) => [
      `-httpListenAddr=127.0.0.1:${port}`,
      `-rule=${options.ruleFile}`,
      `-datasource.url=${options.vmUrl}`,
      `-remoteWrite.url=${options.vmUrl}`,
      `-remoteRead.url=${options.vmUrl}`,
      `-evaluationInterval=${options.evaluationInterval}`,
      // Equal to VictoriaMetrics' -search.latencyOffset (0s in the tests, 30s by default).
      '-rule.evalDelay=0s',
      `-datasource.queryStep=${options.queryStep ?? '5m'}`,
      '-remoteWrite.flushInterval=500ms',
      '-notifier.blackhole',
      '-loggerLevel=ERROR',
    ],
  });
  return {
    url: served.url,
    async alerts() {
      const body = (await (await fetch(`${served.url}/api/v1/alerts`)).json()) as { data: { alerts: RuleEngineAlert[] } };
      return body.data.alerts;
    },
    stop: () => served.stop(),
  };
}
