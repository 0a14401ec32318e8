import type { ResolvedEnvironment, ResolvedService } from '../../src/resolve/index.js';
import type { ComposeService, EdgePlan, Route } from './plan.js';

// The edge proxy of a Compose target: what it routes where, and how it is mounted and published.

/** Where the edge proxy finds its config, certificates, ACME webroot and maintenance flag. */
export const edgeMounts = {
  config: '/etc/nginx/nginx.conf',
  certificates: '/etc/nginx/certs',
  acme: '/var/www/acme',
  maintenance: '/etc/nginx/maintenance',
};

/**
 * An HTTP check that needs no shell quoting of user values: the URL is the script's `$0`, and
 * whichever of curl or wget the image has fetches it.
 */
export function httpCheck(port: number, path: string): string[] {
  return ['CMD', 'sh', '-c', 'curl -fsS -o /dev/null "$0" || wget -q -O /dev/null "$0"', `http://127.0.0.1:${port}${path}`];
}

/** What the edge proxy routes: the services it depends on and any other service with a public port. */
export function routesFor(services: readonly ResolvedService[], proxy: ResolvedService | undefined): Route[] {
  const routed = services.filter(
    (service) => service !== proxy && (service.input.ports ?? []).length > 0 && ((proxy?.dependsOn.includes(service.name) ?? false) || (service.input.ports ?? []).some((port) => port.expose === 'public')),
  );
  const hasFrontend = routed.some((service) => service.role === 'frontend');
  const used = new Set<string>();
  return [...routed]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((service) => {
      const ports = service.input.ports!;
      const health = service.input.health;
      const port = ports.find((p) => p.expose === 'public') ?? (health && 'port' in health ? ports.find((p) => p.name === health.port) : undefined) ?? ports[0]!;
      const preferred = service.role === 'frontend' ? '/' : service.role === 'api' ? (hasFrontend ? '/api/' : '/') : service.role === 'websocket' ? '/app/' : `/${service.name}/`;
      const path = used.has(preferred) ? `/${service.name}/` : preferred;
      used.add(path);
      return { upstream: service.name, port: port.port, path, websocket: service.role === 'websocket' };
    });
}

export function edgePlan(model: ResolvedEnvironment, name: string, proxy: ResolvedService | undefined, routes: Route[]): EdgePlan {
  const publicPorts = (proxy?.input.ports ?? []).filter((port) => port.expose === 'public' && port.port !== 443).map((port) => port.port);
  const health = proxy?.input.health;
  const env = proxy?.env ?? {};
  const bodySize = env.CLIENT_MAX_BODY_SIZE && /^[0-9]{1,6}[kKmMgG]?$/.test(env.CLIENT_MAX_BODY_SIZE) ? env.CLIENT_MAX_BODY_SIZE : '25m';
  const workers = env.NGINX_WORKER_PROCESSES && /^(auto|[0-9]{1,3})$/.test(env.NGINX_WORKER_PROCESSES) ? env.NGINX_WORKER_PROCESSES : 'auto';
  return {
    service: name,
    httpPorts: publicPorts.length > 0 ? [...new Set(publicPorts)].sort((a, b) => a - b) : [80],
    httpsPort: 443,
    serverName: model.infrastructure.dns.domain,
    healthPath: health && 'path' in health ? health.path : '/nginx-health',
    routes: [...routes].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    clientMaxBodySize: bodySize,
    workerProcesses: workers,
  };
}

/** The edge's mounts and published ports: its config, certificates, ACME webroot and maintenance flag live beside the release (see install.sh). */
export function edgeParts(model: ResolvedEnvironment, edge: ComposeService): Partial<ComposeService> {
  const proxy = model.services.find((service) => service.name === edge.name);
  const publicPorts = (proxy?.input.ports ?? []).filter((port) => port.expose === 'public').map((port) => port.port);
  const httpPorts = publicPorts.length > 0 ? publicPorts : [80];
  const ports = [...new Set([...httpPorts, 443])].sort((a, b) => a - b).map((port) => `${port}:${port}`);
  return {
    volumes: [
      `./nginx.conf:${edgeMounts.config}:ro`,
      `./shared/tls:${edgeMounts.certificates}:ro`,
      `./shared/acme:${edgeMounts.acme}:ro`,
      `./shared/maintenance:${edgeMounts.maintenance}:ro`,
    ],
    ports,
  };
}
