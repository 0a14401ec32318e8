import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJsonLines, runCli } from '../support/cli.js';
import { repositoryRoot, useTrees } from '../support/tree.js';
import { optionsTreeEdits, pinned, reports, worker } from './tree.js';

const newTree = useTrees();

async function validate(changes: Parameters<typeof optionsTreeEdits>[0] = {}, extra: Record<string, string | null> = {}) {
  const root = newTree({ ...optionsTreeEdits(changes), ...extra });
  const run = await runCli(['validate', '--format', 'json'], { cwd: root, env: {} });
  return { ...run, findings: parseJsonLines(run.stdout).filter((finding) => finding.severity !== 'notice') };
}

/** Where a key sits in the JSON text of a service as optionsTreeEdits writes it (2-space indent): `"key"` at its line and column. */
function keyPosition(service: object, key: string, nth = 0): { line: number; column: number } {
  const lines = JSON.stringify(service, null, 2).split('\n');
  let seen = 0;
  for (const [index, text] of lines.entries()) {
    const column = text.indexOf(`"${key}":`);
    if (column >= 0 && seen++ === nth) return { line: index + 1, column: column + 1 };
  }
  throw new Error(`no ${key}`);
}

describe('service options a runtime has no meaning for: located warnings, once per option and runtime', () => {
  it('Compose and ECS each report the GPU worker’s placement, annotations and Kubernetes-only securityContext; ECS also its volume and config file; Compose the schedule', async () => {
    const run = await validate();
    expect(run.exitCode).toBe(0);
    const seen = run.findings.map((finding) => `${finding.severity} ${finding.code} ${finding.file}:${finding.line}:${finding.column} ${finding.message.split(':')[0]}`);
    const at = (service: object, key: string) => {
      const { line, column } = keyPosition(service, key);
      return `${line}:${column}`;
    };
    const expected = [
      ...(['nodeSelector', 'tolerations', 'affinity', 'annotations'] as const).flatMap((key) => [
        `warning option-unsupported services/worker/service.json:${at(worker, key)} ${key} has no meaning on Compose (onprem)`,
        `warning option-unsupported services/worker/service.json:${at(worker, key)} ${key} has no meaning on ECS (ecsprod)`,
      ]),
      `warning option-unsupported services/worker/service.json:${at(worker, 'securityContext')} securityContext.fsGroup/runAsNonRoot has no meaning on Compose (onprem)`,
      `warning option-unsupported services/worker/service.json:${at(worker, 'securityContext')} securityContext.fsGroup/runAsNonRoot has no meaning on ECS (ecsprod)`,
      `warning option-unsupported services/worker/service.json:${at(worker, 'volumes')} volumes has no meaning on ECS (ecsprod)`,
      `warning option-unsupported services/worker/service.json:${at(worker, 'configFiles')} configFiles has no meaning on ECS (ecsprod)`,
      `warning option-unsupported services/reports/service.json:${at(reports, 'schedule')} schedule has no meaning on Compose (onprem)`,
    ];
    expect(seen.sort()).toEqual(expected.sort());
  });

  it('an option set in an environment’s override is reported in that environment’s file', async () => {
    const run = await validate({}, { 'environments/onprem.yaml': `${readFileSync(join(repositoryRoot, 'test/fixtures/minimal/environments/onprem.yaml'), 'utf8')}overrides:\n  services:\n    api:\n      serviceAccount:\n        annotations: { iam.gke.io/gcp-service-account: "api@example.iam.gserviceaccount.com" }\n` });
    expect(run.findings.filter((finding) => finding.file === 'environments/onprem.yaml')).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'option-unsupported', line: 14, column: 7, message: expect.stringMatching(/^serviceAccount has no meaning on Compose \(onprem\)/) }),
    ]);
  });
});

describe('service options that cannot be rendered as written: errors at their place', () => {
  const error = async (changes: Parameters<typeof optionsTreeEdits>[0], extra: Record<string, string | null> = {}) => {
    const run = await validate(changes, extra);
    expect(run.exitCode).toBe(1);
    return run.findings.filter((finding) => finding.severity === 'error');
  };

  it('schedule-role: only workers and schedulers run on a schedule', async () => {
    const agent = { ...reports, role: 'agent' };
    expect(await error({ reports: agent })).toEqual([expect.objectContaining({ code: 'schedule-role', file: 'services/reports/service.json', ...keyPosition(agent, 'schedule') })]);
  });

  it('schedule-with-ports: a scheduled service serves nothing', async () => {
    const ported = { ...reports, ports: [{ name: 'http', port: 8080 }], health: { path: '/healthz', port: 'http' } };
    expect(await error({ reports: ported })).toEqual([expect.objectContaining({ code: 'schedule-with-ports', ...keyPosition(ported, 'schedule') })]);
  });

  it('reserved-label: a label or annotation Slipway sets itself', async () => {
    const labelled = { ...worker, labels: { 'app.kubernetes.io/name': 'other' }, annotations: { 'checksum/config': 'x' } };
    expect((await error({ worker: labelled })).map((finding) => [finding.code, finding.line])).toEqual([
      ['reserved-label', keyPosition(labelled, 'labels').line],
      ['reserved-label', keyPosition(labelled, 'annotations').line],
    ]);
  });

  it('option-name-taken: a sidecar named like the service or an init container; a volume twice', async () => {
    const clashing = { ...worker, sidecars: [{ name: 'fetch-models', image: pinned('c') }, { name: 'worker', image: pinned('d') }], volumes: [...worker.volumes, worker.volumes[0]] };
    // prod without overrides: its volume of the same name would replace both.
    const found = await error({ worker: clashing, prod: '' });
    expect(found.map((finding) => [finding.code, finding.file, finding.line, finding.message.split(';')[0]])).toEqual([
      ['option-name-taken', 'services/worker/service.json', keyPosition(clashing, 'name', 3).line, 'volume "model-cache" is declared twice'],
      ['option-name-taken', 'services/worker/service.json', keyPosition(clashing, 'name', 5).line, 'container name "fetch-models" is already used in initContainers'],
      ['option-name-taken', 'services/worker/service.json', keyPosition(clashing, 'name', 6).line, 'container name "worker" is already the service itself'],
    ]);
  });

  it('unpinned-option-image: production runs extra containers only pinned by digest', async () => {
    const unpinned = { ...worker, initContainers: [{ ...worker.initContainers[0]!, image: 'busybox:1.36' }] };
    expect(await error({ worker: unpinned })).toEqual([expect.objectContaining({ code: 'unpinned-option-image', line: keyPosition(unpinned, 'image', 1).line })]);
  });

  it('sidecar-kubernetes-version: native sidecars need Kubernetes 1.29', async () => {
    const prod = readFileSync(join(repositoryRoot, 'test/fixtures/minimal/environments/prod.yaml'), 'utf8').replace('runtimeVersion: "1.30"', 'runtimeVersion: "1.28"');
    const found = await validate({}, { 'environments/prod.yaml': prod });
    expect(found.findings.filter((finding) => finding.code === 'sidecar-kubernetes-version')).toEqual([expect.objectContaining({ severity: 'error', file: 'services/worker/service.json', ...keyPosition(worker, 'sidecars') })]);
  });

  it('config-file-missing: a config file the tree does not have, at its "source"', async () => {
    expect(await error({}, { 'services/worker/config/worker.ini': null })).toEqual([
      expect.objectContaining({ code: 'config-file-missing', file: 'services/worker/service.json', line: keyPosition(worker, 'source').line }),
    ]);
  });

  it('a config file path that climbs out of the service folder is refused by the schema, and never read', async () => {
    const climbing = { ...worker, configFiles: [{ source: '../../slipway.yaml', mountPath: '/etc/x' }] };
    const found = await error({ worker: climbing });
    expect(found.map((finding) => finding.code)).toEqual(['invalid-value']);
    expect(found[0]).toMatchObject({ file: 'services/worker/service.json', line: keyPosition(climbing, 'source').line });
  });
});

describe('the option schemas', () => {
  it('are the same definitions in service.schema.json and environment.schema.json (an override takes what service.json takes)', () => {
    const service = JSON.parse(readFileSync(join(repositoryRoot, 'schemas/service.schema.json'), 'utf8'));
    const environment = JSON.parse(readFileSync(join(repositoryRoot, 'schemas/environment.schema.json'), 'utf8'));
    const shared = Object.keys(service.$defs).filter((name) => name.startsWith('option') || ['port', 'portName', 'envMap', 'computeResources', 'name', 'storageQuantity'].includes(name));
    expect(shared.length).toBeGreaterThan(10);
    for (const name of shared) expect(environment.$defs[name], name).toEqual(service.$defs[name]);
    const overridable = Object.keys(environment.$defs.serviceOverride.properties);
    for (const option of ['volumes', 'nodeSelector', 'tolerations', 'affinity', 'labels', 'annotations', 'serviceAccount', 'securityContext', 'initContainers', 'sidecars', 'schedule', 'ports']) expect(overridable).toContain(option);
  });
});
