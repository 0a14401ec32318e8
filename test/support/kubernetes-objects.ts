import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { fixturesDir } from './tree.js';

/**
 * Checks rendered Kubernetes objects the way the API server would, offline:
 * - built-in kinds: kubernetes-models (construct the class for the kind, call `.validate()`), plus an
 *   unknown-field check. kubernetes-models' schemas allow extra properties, so a misspelt field
 *   passes them; the check runs the same compiled schema on a Proxy of the object and records which
 *   properties the validator read. A property the schema knows is always read (`data.x !== undefined`),
 *   a map (labels, resources) is enumerated as a whole; anything neither read nor enumerated is unknown.
 * - CRDs (Flux, Argo CD, Argo Rollouts, Prometheus Operator, External Secrets): ajv on the strict CRD schemas in
 *   test/fixtures/crds (additionalProperties: false), and `metadata` through ObjectMeta as above.
 */
export type K8sObject = Record<string, unknown> & { apiVersion?: string; kind?: string; metadata?: { name?: string } };

const require = createRequire(import.meta.url);
const modelsRoot = dirname(require.resolve('kubernetes-models'));
const modelsSchema = (name: string) => join(modelsRoot, '_schemas', `${name}.js`);
const objectMetaSchema = join(dirname(require.resolve('@kubernetes-models/apimachinery')), '_schemas', 'IoK8sApimachineryPkgApisMetaV1ObjectMeta.js');
const podTemplateSchema = modelsSchema('IoK8sApiCoreV1PodTemplateSpec');

type CompiledValidator = ((data: unknown) => boolean) & { errors?: unknown };

const builtIn: Record<string, string> = {
  'v1/Namespace': 'IoK8sApiCoreV1Namespace',
  'v1/Service': 'IoK8sApiCoreV1Service',
  'v1/ConfigMap': 'IoK8sApiCoreV1ConfigMap',
  'v1/Secret': 'IoK8sApiCoreV1Secret',
  'v1/ServiceAccount': 'IoK8sApiCoreV1ServiceAccount',
  'apps/v1/Deployment': 'IoK8sApiAppsV1Deployment',
  'batch/v1/Job': 'IoK8sApiBatchV1Job',
  'batch/v1/CronJob': 'IoK8sApiBatchV1CronJob',
  'v1/PersistentVolumeClaim': 'IoK8sApiCoreV1PersistentVolumeClaim',
  'policy/v1/PodDisruptionBudget': 'IoK8sApiPolicyV1PodDisruptionBudget',
  'autoscaling/v2/HorizontalPodAutoscaler': 'IoK8sApiAutoscalingV2HorizontalPodAutoscaler',
  'networking.k8s.io/v1/Ingress': 'IoK8sApiNetworkingV1Ingress',
  'networking.k8s.io/v1/NetworkPolicy': 'IoK8sApiNetworkingV1NetworkPolicy',
};

const crds: Record<string, string> = {
  'helm.toolkit.fluxcd.io/v2/HelmRelease': 'helm.toolkit.fluxcd.io/helmrelease_v2.json',
  'kustomize.toolkit.fluxcd.io/v1/Kustomization': 'kustomize.toolkit.fluxcd.io/kustomization_v1.json',
  'source.toolkit.fluxcd.io/v1/GitRepository': 'source.toolkit.fluxcd.io/gitrepository_v1.json',
  'source.toolkit.fluxcd.io/v1/HelmRepository': 'source.toolkit.fluxcd.io/helmrepository_v1.json',
  'source.toolkit.fluxcd.io/v1/OCIRepository': 'source.toolkit.fluxcd.io/ocirepository_v1.json',
  'argoproj.io/v1alpha1/Application': 'argoproj.io/application_v1alpha1.json',
  'argoproj.io/v1alpha1/AppProject': 'argoproj.io/appproject_v1alpha1.json',
  'argoproj.io/v1alpha1/Rollout': 'argoproj.io/rollout_v1alpha1.json',
  'monitoring.coreos.com/v1/ServiceMonitor': 'monitoring.coreos.com/servicemonitor_v1.json',
  'monitoring.coreos.com/v1/PrometheusRule': 'monitoring.coreos.com/prometheusrule_v1.json',
  'external-secrets.io/v1/ExternalSecret': 'external-secrets.io/externalsecret_v1.json',
  'external-secrets.io/v1/SecretStore': 'external-secrets.io/secretstore_v1.json',
};

/** kubernetes-models' precompiled validator in one schema file (require caches the module). */
function modelsValidator(file: string): CompiledValidator {
  return (require(file) as { validate: CompiledValidator }).validate;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const crdValidators = new Map<string, ValidateFunction>();
function crdValidator(path: string): ValidateFunction {
  let validate = crdValidators.get(path);
  if (!validate) {
    // Go regular expressions may carry inline flags (`(?i)`) that JavaScript's RegExp does not take.
    const text = readFileSync(join(fixturesDir, 'crds', path), 'utf8').replace(/\(\?i\)/g, '');
    validate = ajv.compile(JSON.parse(text) as object);
    crdValidators.set(path, validate);
  }
  return validate;
}

/** Every problem with one object; an empty list means the API server would accept it as written. */
export async function checkObject(object: K8sObject): Promise<string[]> {
  const key = `${object.apiVersion}/${object.kind}`;
  const label = `${object.kind}/${object.metadata?.name ?? '?'}`;
  const schema = builtIn[key];
  if (object.kind === 'Secret' && object.data && typeof object.data === 'object') {
    // kustomize folds long base64 over lines; the API server's decoder skips the line breaks, the "byte" format does not.
    object = { ...object, data: Object.fromEntries(Object.entries(object.data).map(([name, value]) => [name, String(value).replace(/\s+/g, '')])) };
  }
  if (schema) {
    const problems: string[] = [];
    const module = (await import(object.apiVersion === 'v1' ? 'kubernetes-models/v1' : `kubernetes-models/${object.apiVersion}`)) as Record<string, new (data: unknown) => { validate(): void }>;
    try {
      new module[object.kind!]!(object).validate();
    } catch (error) {
      problems.push(`${label}: ${(error as Error).message}`);
    }
    problems.push(...unknownFields(label, object, modelsSchema(schema)));
    return problems;
  }
  const crd = crds[key];
  if (!crd) return [`${label}: no schema for ${key}`];
  const validate = crdValidator(crd);
  const problems = validate(object) ? [] : (validate.errors ?? []).map((error) => `${label}: ${error.instancePath} ${error.message} ${JSON.stringify(error.params)}`);
  problems.push(...unknownFields(label, object.metadata ?? {}, objectMetaSchema, '/metadata'));
  if (object.kind === 'Rollout') {
    const template = (object.spec as { template?: unknown } | undefined)?.template ?? {};
    const validateTemplate = modelsValidator(podTemplateSchema);
    if (!validateTemplate(template)) problems.push(`${label}: spec.template ${JSON.stringify(validateTemplate.errors)}`);
    problems.push(...unknownFields(label, template, podTemplateSchema, '/spec/template'));
  }
  return problems;
}

/** A problem for each property the compiled schema never looked at (see the file comment); `at` is where `data` sits in the object. */
function unknownFields(label: string, data: unknown, schemaFile: string, at = ''): string[] {
  const validate = modelsValidator(schemaFile);
  const read = new Map<string, Set<string>>();
  const enumerated = new Set<string>();
  const track = (value: unknown, path: string): unknown => {
    if (value === null || typeof value !== 'object') return value;
    return new Proxy(value as object, {
      get(target, property, receiver) {
        const result = Reflect.get(target, property, receiver) as unknown;
        if (typeof property !== 'string') return result;
        let keys = read.get(path);
        if (!keys) read.set(path, (keys = new Set()));
        keys.add(property);
        return track(result, `${path}/${property}`);
      },
      ownKeys(target) {
        enumerated.add(path);
        return Reflect.ownKeys(target);
      },
    });
  };
  validate(track(data, ''));
  const unknown: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (Array.isArray(value)) value.forEach((item, index) => walk(item, `${path}/${index}`));
    else if (value !== null && typeof value === 'object') {
      for (const [property, child] of Object.entries(value)) {
        if (!enumerated.has(path) && !read.get(path)?.has(property)) unknown.push(`${path}/${property}`);
        else walk(child, `${path}/${property}`);
      }
    }
  };
  walk(data, '');
  return unknown.map((path) => `${label}: unknown field ${at}${path}`);
}

/** The objects of a multi-document YAML stream (helm template, kubectl kustomize), without empty documents. */
export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(document.errors.map((error) => error.message).join('; '));
      return document.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null && typeof object === 'object');
}
