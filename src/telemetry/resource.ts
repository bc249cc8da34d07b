import { hostname } from 'node:os';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { ConfigValues } from '../config/schema.ts';

export interface ResourceInputs {
  readonly service: Readonly<ConfigValues['service']>;
  /** Whether service.name was set explicitly (file, env or flag) rather than defaulted. */
  readonly serviceNameExplicit: boolean;
  readonly version: string;
  /** service.instance.id, already resolved (see instance-id.ts). */
  readonly instanceId: string;
  readonly hostName?: string;
}

/**
 * The resource every metric carries: OTEL_RESOURCE_ATTRIBUTES first, then the
 * attributes the agent owns. service.name from OTEL_RESOURCE_ATTRIBUTES is kept
 * only when nothing set service.name explicitly, as the SDK specification orders.
 */
export function buildResource(inputs: ResourceInputs): Resource {
  const extra = inputs.service.resourceAttributes;
  const host = inputs.hostName ?? hostname();
  const serviceName =
    !inputs.serviceNameExplicit && extra[ATTR_SERVICE_NAME] ? extra[ATTR_SERVICE_NAME] : inputs.service.name;
  return resourceFromAttributes({
    ...extra,
    [ATTR_SERVICE_NAME]: serviceName,
    [ATTR_SERVICE_VERSION]: inputs.version,
    'service.instance.id': inputs.instanceId,
    'host.name': extra['host.name'] ?? host,
  });
}
