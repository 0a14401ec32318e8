import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateSourceTree } from '../../src/compile.js';
import { publicKeyOf, publicKeyToPem } from '../../src/core/signing/keys.js';
import { decryptSopsYaml } from '../../src/core/sops/index.js';
import { verifyOutputTree } from '../../src/deploy-repo/verify.js';
import type { ResolvedService, Runtime } from '../../src/model/index.js';
import { connectionContract } from '../../src/resolve/bindings.js';
import { syncSecrets } from '../../src/secrets/sync.js';
import type { Receiver } from './connection-coverage.js';
import { compileExample, compiledAt, type CompiledExample } from './example-output.js';
import { freshTreeFiles, freshTargets } from './fresh-tree.js';
import { composeWiringTests, describeKubernetes, ecsWiringTests, expectNone, kubernetesWiringTests, targetWiring } from './target-wiring.js';
import { podsWithoutBucketRole, tasksWithoutBucketRole } from './workload-identity.js';

/**
 * The wiring checks of wiring.test.ts (./target-wiring.ts), on a source tree the generators were
 * never tuned to: a shop (a Node API with a postgres `orders`, a redis `sessions` and a bucket
 * `media`; a worker that reads `orders` under the prefix ORDERS_; an edge proxy), written into a
 * temporary folder with its own age identity, secrets made by `syncSecrets`, its own signing key and
 * a deploy repo, deployed to Compose on bare metal, EKS (Flux), DOKS (Argo CD), an enterprise EKS
 * with Vault, and ECS Fargate. One compile; every Kubernetes target rendered once with Helm and
 * kustomize.
 *
 * Beyond wiring.test.ts: shop's connection names are held to Compose's on every target (the access
 * keys set empty where the workload's own role reaches the bucket), and that is checked too:
 * whatever receives the bucket without keys must run under a role that reaches it.
 */

const targetsOf = (runtime: Runtime) => freshTargets.filter((target) => target.runtime === runtime).map((target) => target.name);

interface Fresh {
  identity: string;
  signingSeed: Uint8Array;
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
  // The source tree lives under one folder, so afterAll removes it even when a step fails.
  const sourceRoot = join((workRoot = mkdtempSync(join(tmpdir(), 'slipway-fresh-tree-'))), 'source');
  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  const signingSeed = new Uint8Array(randomBytes(32));
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
  fresh = { identity, signingSeed, example: compileExample(sourceRoot, signingSeed), plaintext };
});

afterAll(() => {
  fresh?.example.remove();
  if (workRoot) rmSync(workRoot, { recursive: true, force: true });
});

const wiring = targetWiring(() => tree().example);
const { model } = wiring;
const service = (environment: string, name: string): ResolvedService => {
  const found = model(environment).services.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`env/${environment} runs no service ${name}`);
  return found;
};

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

/** Shop's connection names on Compose (onprem): the reference the other targets are held to. */
const composeShopNames = () => {
  const [receiver] = wiring.composeReceivers('onprem', 'shop', 'service');
  if (!receiver) throw new Error('env/onprem: no Compose service shop');
  return contractVariables(receiver.variables);
};

/**
 * Shop's connection names on one target, judged against Compose's: the same names everywhere. Where
 * the workload's own role reaches the bucket the access keys are there too, and set empty, so the
 * SDK's default chain takes the role.
 */
function sameAsCompose(environment: string, receivers: readonly Receiver[]): string[] {
  const byRole = model(environment).resources.find((resource) => resource.name === 'media')?.connection.workloadIdentity === true;
  const expected = composeShopNames();
  if (receivers.length === 0) return [`env/${environment}: no workload runs shop`];
  return receivers.flatMap((receiver) => {
    const got = contractVariables(receiver.variables);
    return [
      ...expected.filter((name) => !got.includes(name)).map((name) => `env/${environment} ${receiver.label}: ${name} is missing (Compose has it)`),
      ...got.filter((name) => !expected.includes(name)).map((name) => `env/${environment} ${receiver.label}: ${name} is extra (not on Compose)`),
      ...(byRole ? awsKeys : [])
        .filter((name) => receiver.values?.get(name) !== '')
        .map((name) => `env/${environment} ${receiver.label}: ${name} is ${JSON.stringify(receiver.values?.get(name))}, not set empty, though the role reaches the bucket`),
    ];
  });
}

/** The variable names under which each service of the environment receives a bucket it must reach with its own role (no keys). */
function bucketsByRole(environment: string): Map<string, string[]> {
  const byRole = new Set(model(environment).resources.filter((resource) => resource.connection.workloadIdentity).map((resource) => resource.name));
  return new Map(
    model(environment)
      .services.map((entry) => [entry.name, entry.connections.filter((variable) => variable.field === 'bucket' && byRole.has(variable.resource)).map((variable) => variable.name)] as const)
      .filter(([, names]) => names.length > 0),
  );
}

describe('the fresh tree', () => {
  it('compiles with no error finding, every target ready and signed under the tree key', async () => {
    const { example, signingSeed } = tree();
    const errors = example.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
    expectNone(errors.map((diagnostic) => `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}: ${diagnostic.code}: ${diagnostic.message}`), 'error findings');
    expect(example.targets.map((target) => `${target.name}: ${target.status}${target.blockReasons.map((reason) => ` (${reason.message})`).join('')}`).sort()).toEqual(freshTargets.map((target) => `${target.name}: ready`).sort());
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
    composeWiringTests(wiring, name);

    it(`env/${name}: shop gets the whole contract of its three resources; shop-worker ORDERS_DB_* and no unprefixed contract variable`, () => {
      expect(composeShopNames()).toEqual([...contractNames].sort());
      expectNone(workerProblems(name, wiring.composeReceivers(name, 'shop-worker')), `shop-worker wiring problems in env/${name}`);
    });
  }
});

describeKubernetes('wiring of the fresh Kubernetes targets', () => {
  for (const name of targetsOf('kubernetes')) {
    kubernetesWiringTests(wiring, name);

    it(`env/${name}: shop receives the connection variables it receives on Compose; shop-worker ORDERS_DB_* only`, async () => {
      expectNone(
        [...sameAsCompose(name, await wiring.kubernetesReceivers(name, 'shop', 'service')), ...workerProblems(name, await wiring.kubernetesReceivers(name, 'shop-worker', 'service'))],
        `connection names differing from Compose in env/${name}`,
      );
    });
  }
});

// README "Connections": on AWS "the bucket: the pod's own role (EKS Pod Identity), no keys"; the ECS task role.
describeKubernetes('the fresh AWS Kubernetes targets: the bucket without keys', () => {
  for (const name of freshTargets.filter((target) => target.runtime === 'kubernetes' && target.provider === 'aws').map((target) => target.name)) {
    it(`env/${name}: every pod given a bucket without keys runs as a ServiceAccount whose EKS Pod Identity role reaches a bucket`, async () => {
      const catalogue = (await wiring.terraform(name))!;
      const buckets = bucketsByRole(name);
      expect([...buckets.keys()]).toEqual(['shop']);
      const lines: string[] = [];
      for (const [serviceName, variables] of buckets) {
        const workloads = wiring.render(name).releases.find((candidate) => candidate.release === serviceName)?.objects ?? [];
        const { lines: found, receiving } = podsWithoutBucketRole(catalogue, workloads, variables);
        expect(receiving, serviceName).toBeGreaterThan(0);
        lines.push(...found.map((line) => `env/${name} ${line} (${serviceName})`));
      }
      expectNone(lines, `pods that cannot reach their bucket in env/${name}`);
    });
  }
});

describe('wiring of the fresh ECS target', () => {
  for (const name of targetsOf('ecs')) {
    ecsWiringTests(wiring, name);

    it(`env/${name}: every task given a bucket without keys runs under a task role that reaches a bucket`, async () => {
      const catalogue = (await wiring.terraform(name))!;
      const buckets = bucketsByRole(name);
      expect([...buckets.keys()]).toEqual(['shop']);
      const lines: string[] = [];
      for (const [serviceName, variables] of buckets) {
        const { lines: found, receiving } = tasksWithoutBucketRole(catalogue, serviceName, variables);
        expect(receiving, serviceName).toBeGreaterThan(0);
        lines.push(...found.map((line) => `env/${name} ${line} (${serviceName})`));
      }
      expectNone(lines, `tasks that cannot reach their bucket in env/${name}`);
    });

    it(`env/${name}: shop receives the connection variables it receives on Compose; shop-worker ORDERS_DB_* only`, async () => {
      expectNone([...sameAsCompose(name, await wiring.ecsReceivers(name, 'shop')), ...workerProblems(name, await wiring.ecsReceivers(name, 'shop-worker'))], `connection names differing from Compose in env/${name}`);
    });
  }
});
