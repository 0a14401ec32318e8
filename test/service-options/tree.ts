import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir } from '../support/tree.js';

/**
 * The minimal fixture tree with every service option in use: a GPU worker with placement, a
 * persistent volume, a config file, pod labels and annotations, securityContext, an init container
 * and a sidecar; a nightly `reports` worker on a schedule; prod (AWS Kubernetes) overriding some of
 * them (IRSA annotation, a bigger volume, one more toleration, an extra port on the api); onprem
 * (Compose) and ecsprod (ECS) deploying the same services unchanged.
 */
export const pinned = (n: string) => `ghcr.io/example/tools@sha256:${n.repeat(64)}`;

export const worker = {
  name: 'worker',
  role: 'worker',
  image: 'ghcr.io/example/worker',
  command: ['php', 'artisan', 'queue:work'],
  secrets: { APP_KEY: { generate: 'laravel-app-key' } },
  dependencies: { resources: [{ name: 'database', type: 'postgres' }] },
  resources: { cpu: '500m', memory: '1Gi', gpu: 1 },
  nodeSelector: { 'example.com/pool': 'gpu' },
  tolerations: [{ key: 'dedicated', value: 'ml', effect: 'NoSchedule' }],
  affinity: { nodeAffinity: { required: [{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['g5.xlarge', 'g5.2xlarge'] }], preferred: [{ weight: 40, key: 'topology.kubernetes.io/zone', operator: 'In', values: ['eu-west-1a'] }] } },
  labels: { team: 'ml' },
  annotations: { 'example.com/owner': 'ml-team' },
  volumes: [{ name: 'model-cache', mountPath: '/models', size: '20Gi', storageClass: 'gp3' }],
  configFiles: [{ source: 'config/worker.ini', mountPath: '/etc/worker/worker.ini' }],
  securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, runAsNonRoot: true, readOnlyRootFilesystem: true },
  initContainers: [{ name: 'fetch-models', image: pinned('a'), command: ['fetch', '--into=/models'], env: { SOURCE: 's3://models/$(latest)' }, resources: { cpu: '100m', memory: '128Mi' } }],
  sidecars: [{ name: 'log-shipper', image: pinned('b'), command: ['ship', '--from=/models/logs'], resources: { cpu: '50m', memory: '64Mi' } }],
};

export const reports = {
  name: 'reports',
  role: 'worker',
  image: 'ghcr.io/example/worker',
  command: ['php', 'artisan', 'reports:nightly'],
  secrets: { APP_KEY: { generate: 'laravel-app-key' } },
  schedule: '30 2 * * *',
};

export const workerIni = '; worker settings\n[queue]\nname = "default"\nretry: $HOME\n';

const fixture = (path: string) => readFileSync(join(fixturesDir, 'minimal', path), 'utf8');

export const prodOverrides = `overrides:
  services:
    worker:
      nodeSelector: { example.com/zone-class: fast }
      tolerations:
        - { key: nvidia.com/gpu, operator: Exists, effect: NoSchedule }
        - { key: spot, operator: Exists }
      serviceAccount:
        annotations: { eks.amazonaws.com/role-arn: "arn:aws:iam::123456789012:role/worker" }
      volumes:
        - { name: model-cache, mountPath: /models, size: 100Gi, storageClass: gp3 }
    api:
      ports:
        - { name: metrics, port: 9090 }
`;

const ecsEnvironment = `name: ecsprod
mode: saas
tier: production
provider: aws
runtime: ecs
region: eu-west-1
release: "1.0.0"
backups:
  schedule: "0 2 * * *"
  retentionDays: 30
overrides:
  services:
    worker:
      serviceAccount:
        annotations: { eks.amazonaws.com/role-arn: "arn:aws:iam::123456789012:role/worker-ecs" }
`;

/** The edits for `makeTree`/`useTrees`, over the minimal fixture. */
export function optionsTreeEdits(changes: { worker?: object; reports?: object | null; prod?: string } = {}): Record<string, string | null> {
  return {
    'services/worker/service.json': JSON.stringify(changes.worker ?? worker, null, 2),
    'services/worker/config/worker.ini': workerIni,
    'services/reports/service.json': changes.reports === null ? null : JSON.stringify(changes.reports ?? reports, null, 2),
    'releases/1.0.0.yaml': `${fixture('releases/1.0.0.yaml').replace('migrations:', `  reports: ghcr.io/example/worker@sha256:${'3'.repeat(64)}\nmigrations:`)}`,
    'environments/prod.yaml': `${fixture('environments/prod.yaml')}${changes.prod ?? prodOverrides}`,
    'environments/ecsprod.yaml': ecsEnvironment,
    'secrets/ecsprod.sops.yaml': fixture('secrets/prod.sops.yaml'),
    'policies/attestation-policy.yaml': `${fixture('policies/attestation-policy.yaml')}  ecsprod: {status: passed, at: "2026-11-10T00:00:00Z"}\n`,
  };
}
