import { compareText } from '../../src/core/diagnostics.js';
import type { ResolvedEnvironment, ResolvedService } from '../../src/model/index.js';
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

/** The ports of a service that face the internet, as the infrastructure decided them. */
function publicPorts(model: ResolvedEnvironment, service: string | undefined): number[] {
  return model.infrastructure.publicEndpoints.filter((endpoint) => endpoint.service === service).map((endpoint) => endpoint.number);
}

/** What the edge proxy routes: the services it depends on and any other service with a public port. */
export function routesFor(model: ResolvedEnvironment, proxy: ResolvedService | undefined): Route[] {
  const routed = model.services.filter(
    (service) => service !== proxy && service.ports.length > 0 && ((proxy?.dependsOn.includes(service.name) ?? false) || publicPorts(model, service.name).length > 0),
  );
  const hasFrontend = routed.some((service) => service.role === 'frontend');
  const used = new Set<string>();
  return [...routed]
    .sort((a, b) => compareText(a.name, b.name))
    .map((service) => {
      const ports = service.ports;
      const health = service.health;
      const port = publicPorts(model, service.name)[0] ?? (health && 'port' in health ? ports.find((p) => p.name === health.port)?.port : undefined) ?? ports[0]!.port;
      const preferred = service.role === 'frontend' ? '/' : service.role === 'api' ? (hasFrontend ? '/api/' : '/') : service.role === 'websocket' ? '/app/' : `/${service.name}/`;
      const path = used.has(preferred) ? `/${service.name}/` : preferred;
      used.add(path);
      return { upstream: service.name, port, path, websocket: service.role === 'websocket' };
    });
}

export function edgePlan(model: ResolvedEnvironment, name: string, proxy: ResolvedService | undefined, routes: Route[]): EdgePlan {
  const httpPorts = publicPorts(model, proxy?.name).filter((port) => port !== 443);
  const health = proxy?.health;
  const env = proxy?.env ?? {};
  const bodySize = env.CLIENT_MAX_BODY_SIZE && /^[0-9]{1,6}[kKmMgG]?$/.test(env.CLIENT_MAX_BODY_SIZE) ? env.CLIENT_MAX_BODY_SIZE : '25m';
  const workers = env.NGINX_WORKER_PROCESSES && /^(auto|[0-9]{1,3})$/.test(env.NGINX_WORKER_PROCESSES) ? env.NGINX_WORKER_PROCESSES : 'auto';
  return {
    service: name,
    httpPorts: httpPorts.length > 0 ? [...new Set(httpPorts)].sort((a, b) => a - b) : [80],
    httpsPort: 443,
    serverName: model.infrastructure.dns.domain,
    healthPath: health && 'path' in health ? health.path : '/nginx-health',
    routes: [...routes].sort((a, b) => compareText(a.path, b.path)),
    clientMaxBodySize: bodySize,
    workerProcesses: workers,
  };
}

/** The edge's mounts and published ports: its config, certificates, ACME webroot and maintenance flag live beside the release (see install.sh). */
export function edgeParts(model: ResolvedEnvironment, proxy: ResolvedService | undefined): Pick<ComposeService, 'volumes' | 'ports'> {
  const published = publicPorts(model, proxy?.name);
  const ports = [...new Set([...(published.length > 0 ? published : [80]), 443])].sort((a, b) => a - b).map((port) => `${port}:${port}`);
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
