import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { sopsYamlToDotenv } from '../../src/core/sops/dotenv.js';
import { ensureKubectl } from '../support/helm.js';
import { checkObject, parseObjects, type K8sObject } from '../support/kubernetes-objects.js';
import { describeWithTool, runTool } from '../support/tools.js';
import { buildExample, type BuiltExample } from './example.js';

/**
 * k8s/ of every Kubernetes target through real kustomize (`kubectl kustomize`): it renders, every
 * object passes the Kubernetes or strict CRD schemas, the reconciler objects point at files that
 * exist, follow the service DAG, and the only secret material is SOPS-encrypted.
 */
const kubectl = ensureKubectl();
const describeKubectl = describeWithTool('kubectl', kubectl !== undefined);

let example: BuiltExample;
beforeAll(async () => {
  example = await buildExample();
});
afterAll(() => example?.remove());

const k8sDir = (target: ResolvedEnvironment) => join(example.out, 'environments', target.name, 'k8s');
/** `kubectl kustomize` once per folder; every test reads the same rendering. */
const rendered = new Map<string, K8sObject[]>();
function kustomize(dir: string): K8sObject[] {
  let objects = rendered.get(dir);
  if (!objects) {
    const run = runTool(kubectl!, ['kustomize', dir]);
    expect(run.status, `${dir}\n${run.stderr}`).toBe(0);
    objects = parseObjects(run.stdout);
    rendered.set(dir, objects);
  }
  return objects;
}
const releasesOf = (target: ResolvedEnvironment) => [...target.services.map((service) => service.name), ...(target.infrastructure.aiGateway ? ['ai-gateway'] : [])];
const embeddedOf = (target: ResolvedEnvironment) => target.resources.filter((resource) => !resource.managed).map((resource) => resource.name);
const encrypted = /^ENC\[AES256_GCM,data:[^\]]*,iv:[^\]]*,tag:[^\]]*,type:str\]$/;

describeKubectl('k8s/ of every Kubernetes target, rendered by kustomize', () => {
  it('renders, and every object passes the Kubernetes and strict CRD schemas', async () => {
    for (const target of example.targets) {
      const objects = kustomize(k8sDir(target));
      for (const object of objects) expect(await checkObject(object), target.name).toEqual([]);
      expect(objects.find((object) => object.kind === 'Namespace')?.metadata?.name).toBe(target.infrastructure.namespace);
      if (target.mode === 'enterprise') expect(objects.some((object) => object.kind === 'NetworkPolicy' && object.metadata?.name === 'default-deny')).toBe(true);
    }
  });

  it('gives Flux targets a GitRepository, a Kustomization with SOPS decryption and a HelmRelease per service that depends on what the DAG says', () => {
    const flux = example.targets.filter((target) => target.reconciler === 'flux');
    expect(flux.length).toBeGreaterThan(0);
    for (const target of flux) {
      const objects = kustomize(k8sDir(target));
      const sync = objects.find((object) => object.kind === 'Kustomization') as { spec: { path: string; decryption: unknown; sourceRef: { name: string } } };
      expect(sync.spec.decryption).toEqual({ provider: 'sops', secretRef: { name: 'sops-age' } });
      expect(existsSync(join(example.out, sync.spec.path))).toBe(true);
      expect(objects.some((object) => object.kind === 'GitRepository' && object.metadata?.name === sync.spec.sourceRef.name)).toBe(true);
      const releases = objects.filter((object) => object.kind === 'HelmRelease') as Array<K8sObject & { spec: { dependsOn?: Array<{ name: string }>; chart: { spec: { chart: string; valuesFiles?: string[] } } } }>;
      expect(releases.map((release) => release.metadata!.name).sort()).toEqual([...releasesOf(target), ...embeddedOf(target), ...target.addons.map((addon) => addon.name)].sort());
      for (const service of target.services) {
        const release = releases.find((candidate) => candidate.metadata!.name === service.name)!;
        const embedded = service.usesResources.filter((name) => embeddedOf(target).includes(name));
        expect((release.spec.dependsOn ?? []).map((dependency) => dependency.name).sort()).toEqual([...service.dependsOn, ...embedded].sort());
        expect(existsSync(join(example.out, release.spec.chart.spec.chart, 'Chart.yaml'))).toBe(true);
        for (const file of release.spec.chart.spec.valuesFiles!) expect(existsSync(join(example.out, file)), file).toBe(true);
      }
    }
  });

  it('gives Argo CD targets an AppProject, a root Application and an Application per service in sync waves that follow the DAG', () => {
    const argocd = example.targets.filter((target) => target.reconciler === 'argocd');
    expect(argocd.length).toBeGreaterThan(0);
    for (const target of argocd) {
      const objects = kustomize(k8sDir(target));
      expect(objects.some((object) => object.kind === 'AppProject' && object.metadata?.name === target.name)).toBe(true);
      type Application = K8sObject & { metadata: { name: string; annotations?: Record<string, string> }; spec: { source: { path?: string; helm?: { valueFiles?: string[] } } } };
      const applications = objects.filter((object) => object.kind === 'Application') as Application[];
      const root = applications.find((application) => application.metadata.name === target.name)!;
      expect(resolve(example.out, root.spec.source.path!)).toBe(k8sDir(target));
      const wave = (name: string) => Number(applications.find((application) => application.metadata.name === `${target.name}-${name}`)!.metadata.annotations!['argocd.argoproj.io/sync-wave']);
      for (const service of target.services) {
        const application = applications.find((candidate) => candidate.metadata.name === `${target.name}-${service.name}`)!;
        const chart = join(example.out, application.spec.source.path!);
        expect(existsSync(join(chart, 'Chart.yaml'))).toBe(true);
        for (const file of application.spec.source.helm!.valueFiles!) expect(existsSync(resolve(chart, file)), file).toBe(true);
        for (const dependency of [...service.dependsOn, ...service.usesResources.filter((name) => embeddedOf(target).includes(name))]) {
          expect(wave(service.name), `${service.name} after ${dependency}`).toBeGreaterThan(wave(dependency));
        }
        expect(wave(service.name)).toBeGreaterThan(wave('secrets'));
      }
    }
  });

  it('keeps secrets SOPS-encrypted at rest: the dotenv form of the environment file, and a Secret of ENC[…] values until the cluster decrypts it', () => {
    for (const target of example.targets) {
      const folder = k8sDir(target);
      const dotenvPath = target.reconciler === 'argocd' ? join(folder, 'secrets', 'secrets.sops.env') : join(folder, 'secrets.sops.env');
      const dotenv = readFileSync(dotenvPath, 'utf8');
      const sopsYaml = new TextDecoder().decode(target.secrets.file!.bytes);
      expect(dotenv).toBe(sopsYamlToDotenv(sopsYaml));
      // Independently of the converter: the very ciphertexts and MAC of the environment's SOPS file, so
      // sops (whose MAC covers every value) decrypts it as it would the YAML; dotenv.test.ts decrypts one.
      const lines = new Map(dotenv.trimEnd().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
      const { sops, ...values } = parse(sopsYaml) as { [key: string]: unknown; sops: { mac: string; lastmodified: string } };
      expect([...lines.keys()].filter((key) => !key.startsWith('sops_')).sort()).toEqual(Object.keys(values).sort());
      for (const [name, value] of Object.entries(values)) expect(lines.get(name), name).toBe(value);
      expect(lines.get('sops_mac')).toBe(sops.mac);
      expect(lines.get('sops_lastmodified')).toBe(sops.lastmodified);
      expect(dotenv).toMatch(/^sops_mac=ENC\[AES256_GCM,/m);
      for (const secret of target.secrets.generated) expect(dotenv).toMatch(new RegExp(`^${secret.name}=ENC\\[AES256_GCM,`, 'm'));
      // Nothing in k8s/ but the encrypted file carries a value: no plaintext env files, no Secret manifests.
      const listed = readdirSync(folder, { recursive: true }).map(String);
      expect(listed.filter((file) => file.endsWith('.env'))).toEqual([target.reconciler === 'argocd' ? 'secrets/secrets.sops.env' : 'secrets.sops.env']);
      for (const file of listed.filter((name) => name.endsWith('.yaml'))) expect(readFileSync(join(folder, file), 'utf8')).not.toMatch(/^kind: Secret$/m);
      if (target.reconciler === 'flux') {
        const secret = kustomize(folder).find((object) => object.kind === 'Secret' && object.metadata?.name === 'generated-secrets') as { metadata: { name: string; namespace: string }; data: Record<string, string> };
        expect(secret.metadata).toMatchObject({ name: 'generated-secrets', namespace: target.infrastructure.namespace });
        for (const generated of target.secrets.generated) expect(Buffer.from(secret.data[generated.name]!, 'base64').toString('utf8')).toMatch(encrypted);
      }
    }
  });

  it('wires the Argo CD secrets folder to the KSOPS generator (Argo CD decrypts through KSOPS; kubectl has no exec functions)', () => {
    const argocd = example.targets.filter((target) => target.reconciler === 'argocd');
    for (const target of argocd) {
      const folder = join(k8sDir(target), 'secrets');
      // Plain kustomize refuses exactly because the Secret comes from the ksops plugin, never from a plaintext file.
      const plain = runTool(kubectl!, ['kustomize', folder]);
      expect(plain.status).not.toBe(0);
      expect(plain.stderr).toMatch(/external plugin 'ksops'/);
      const kustomization = parse(readFileSync(join(folder, 'kustomization.yaml'), 'utf8')) as { generators: string[] };
      expect(kustomization.generators).toEqual(['ksops-generator.yaml']);
      // KSOPS' documented generator form (viaduct-ai/kustomize-sops test/krm/envs): an exec KRM function with secretFrom envs.
      const generator = parse(readFileSync(join(folder, 'ksops-generator.yaml'), 'utf8')) as {
        apiVersion: string;
        kind: string;
        metadata: { annotations: Record<string, string> };
        secretFrom: Array<{ metadata: { name: string; namespace: string }; envs: string[] }>;
      };
      expect(generator).toMatchObject({ apiVersion: 'viaduct.ai/v1', kind: 'ksops' });
      expect(parse(generator.metadata.annotations['config.kubernetes.io/function']!)).toEqual({ exec: { path: 'ksops' } });
      expect(generator.secretFrom).toHaveLength(1);
      expect(generator.secretFrom[0]!.metadata).toMatchObject({ name: 'generated-secrets', namespace: target.infrastructure.namespace });
      for (const file of generator.secretFrom[0]!.envs) expect(existsSync(join(folder, file))).toBe(true);
    }
  });
});

