import type { ConnectionVariable } from '../../src/model/index.js';

/**
 * The reverse of the wiring check: every variable of the connection contract (src/model/bindings.ts)
 * that resolve gives a service must reach the containers that run it on its target, and where the
 * value names a store run beside the services (an embedded resource's host or endpoint), the name
 * must be one the output creates (a Kubernetes Service, a Compose service).
 */

export interface Receiver {
  /** `Deployment/api container api`, `aws_ecs_task_definition.api container api`, `compose service api`. */
  label: string;
  variables: ReadonlySet<string>;
  /** Literal values by name, where the target shows them. */
  values?: ReadonlyMap<string, string>;
}

export interface ServiceConnections {
  name: string;
  connections: readonly ConnectionVariable[];
}

/** One line per connection variable a receiver of the service lacks, and one if nothing runs the service. */
export function missingConnections(environment: string, service: ServiceConnections, receivers: readonly Receiver[]): string[] {
  if (service.connections.length === 0) return [];
  if (receivers.length === 0) return [`env/${environment} service ${service.name}: no workload runs it`];
  const lines: string[] = [];
  for (const receiver of receivers) {
    for (const variable of service.connections) {
      if (!receiver.variables.has(variable.name)) {
        lines.push(`env/${environment} service ${service.name} (${receiver.label}): ${variable.name} (${variable.resource} ${variable.field}) is missing`);
      }
    }
  }
  return lines;
}

/** The host a host or endpoint value names (`cache`, `http://uploads:9000`, `cache-master.dev.svc`), first DNS label only. */
export function hostOf(value: string): string | undefined {
  let host = value;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    try {
      host = new URL(value).hostname;
    } catch {
      return undefined;
    }
  }
  host = host.replace(/:\d+$/, '');
  return host === '' ? undefined : host.split('.')[0];
}

/** An embedded resource's host or endpoint whose value names nothing in `hosts` (Service or Compose service names). */
export function unknownHosts(environment: string, service: ServiceConnections, receivers: readonly Receiver[], hosts: ReadonlySet<string>): string[] {
  const lines: string[] = [];
  for (const receiver of receivers) {
    for (const variable of service.connections) {
      if (variable.source.kind !== 'embedded' || (variable.field !== 'host' && variable.field !== 'endpoint')) continue;
      const value = receiver.values?.get(variable.name);
      if (value === undefined) continue;
      const host = hostOf(value);
      if (host === undefined || !hosts.has(host)) {
        lines.push(`env/${environment} service ${service.name} (${receiver.label}): ${variable.name}=${value} → host ${host ?? '?'}: nothing creates it`);
      }
    }
  }
  return lines;
}
