/**
 * What the Collector path does to the agent's labels (docs/deployment.md, "Labels on
 * each path"): the prometheus and remote-write exporters both derive job/instance
 * from service.name/service.instance.id and turn every resource attribute into a
 * label (resource_to_telemetry_conversion, resource_constant_labels). The agent's
 * resource has service.name, service.version, service.instance.id and host.name.
 */
export const COLLECTOR_ADDS: ReadonlySet<string> = new Set(['job', 'instance', 'service_name', 'service_instance_id', 'service_version', 'host_name']);

/** The instrumentation scope, on the agent's /metrics and kept by the Collector. */
export const SCOPE_LABELS: ReadonlySet<string> = new Set(['otel_scope_name', 'otel_scope_version']);

/**
 * The labels the store has and the agent's /metrics has not: the agent exposes
 * service_instance_id on every series itself (metrics.resourceConstantLabels),
 * so that one is on both sides and must match.
 */
export const STORE_ONLY: ReadonlySet<string> = new Set([...COLLECTOR_ADDS].filter((label) => label !== 'service_instance_id'));
