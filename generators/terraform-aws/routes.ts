import type { ResolvedEnvironment, ResolvedService } from '../../src/model/index.js';
import { label } from '../infrastructure-shared/naming.js';

/**
 * How traffic reaches a service through an Application Load Balancer: which balancer, which
 * listener port, which target groups. Public endpoints ride the internet-facing ALB; on ECS a
 * blue-green service with no public port gets an internal ALB, because CodeDeploy shifts traffic
 * between two target groups behind a listener.
 */
export interface Route {
  service: ResolvedService;
  portName: string;
  containerPort: number;
  balancer: 'public' | 'internal';
  blueGreen: boolean;
  /** Target group labels: one, or blue then green. */
  targetGroups: string[];
  listener: string;
  listenerPort: number;
  testListener: string | undefined;
  testPort: number | undefined;
  healthPath: string;
}

/** HTTPS on the public ALB: a domain with a Route 53 zone, so ACM can issue its certificate. */
export function servesHttps(environment: ResolvedEnvironment): boolean {
  return environment.infrastructure.dns.domain !== undefined && environment.infrastructure.dns.zone === 'route53';
}

export function routes(environment: ResolvedEnvironment): Route[] {
  const infra = environment.infrastructure;
  if (infra.loadBalancer?.kind !== 'alb') return [];
  const ecs = environment.runtime === 'ecs';
  const https = servesHttps(environment);
  const used = new Set<number>();
  const result: Route[] = [];
  const take = (wanted: number, fallbackStart: number) => {
    let port = wanted;
    for (let next = fallbackStart; used.has(port); next += 1) port = next;
    used.add(port);
    return port;
  };
  // The reserved ports first, so no other listener takes them.
  used.add(https ? 443 : 80);
  if (https) used.add(80);

  infra.publicEndpoints.forEach((endpoint, index) => {
    const service = environment.services.find((candidate) => candidate.name === endpoint.service);
    if (!service) return;
    const listenerPort = index === 0 ? (https ? 443 : 80) : take(endpoint.number === 80 || endpoint.number === 443 ? 8000 + index : endpoint.number, 8000 + index);
    result.push(route(service, endpoint.port, endpoint.number, 'public', ecs && service.strategy === 'blue-green', listenerPort, index === 0 ? (https ? 'https' : 'http') : undefined, take));
  });

  if (ecs) {
    const publicServices = new Set(infra.publicEndpoints.map((endpoint) => endpoint.service));
    for (const service of environment.services) {
      if (service.strategy !== 'blue-green' || publicServices.has(service.name)) continue;
      const port = servedPort(service);
      if (!port) continue;
      result.push(route(service, port.name, port.port, 'internal', true, take(port.port, 9000), undefined, take));
    }
  }
  return result;
}

function route(
  service: ResolvedService,
  portName: string,
  containerPort: number,
  balancer: Route['balancer'],
  blueGreen: boolean,
  listenerPort: number,
  listenerLabel: string | undefined,
  take: (wanted: number, fallbackStart: number) => number,
): Route {
  const base = `${label(service.name)}_${label(portName)}`;
  const testPort = blueGreen ? take(listenerPort + 10000 <= 65535 ? listenerPort + 10000 : listenerPort - 10000, 20000) : undefined;
  const health = service.health;
  const healthPath = health && 'path' in health && health.port === portName ? health.path : '/';
  return {
    service,
    portName,
    containerPort,
    balancer,
    blueGreen,
    targetGroups: blueGreen ? [`${base}_blue`, `${base}_green`] : [base],
    listener: listenerLabel ?? base,
    listenerPort,
    testListener: blueGreen ? `${base}_test` : undefined,
    testPort,
    healthPath,
  };
}

/** The port a service is reached on: its HTTP health check's, else its first. */
function servedPort(service: ResolvedService): { name: string; port: number } | undefined {
  const ports = service.ports;
  const health = service.health;
  const byHealth = health && 'path' in health ? ports.find((port) => port.name === health.port) : undefined;
  const chosen = byHealth ?? ports[0];
  return chosen ? { name: chosen.name, port: chosen.port } : undefined;
}
