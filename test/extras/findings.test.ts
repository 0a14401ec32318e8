import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJsonLines, runCli } from '../support/cli.js';
import { useTrees } from '../support/tree.js';

/**
 * Every mistake in a patch, a manifest or an overlay is a finding at its file, line and column, and
 * holds the environment back; the minimal fixture's `prod` is a Flux target with releases api and worker.
 */
const tree = useTrees();
const prod = (extra: string) => `# yaml-language-server: $schema=../schemas/environment.schema.json
name: prod
mode: saas
tier: production
provider: aws
runtime: kubernetes
runtimeVersion: "1.30"
region: eu-west-1
release: "1.0.0"
backups:
  schedule: "0 2 * * *"
  retentionDays: 30
${extra}`;

async function findings(edits: Record<string, string>, setup?: (root: string) => void) {
  const root = tree(edits);
  setup?.(root);
  const run = await runCli(['validate', '--format', 'json'], { cwd: root });
  // What would stop rendering is a warning in validate (an error in build): both count here.
  return { root, findings: parseJsonLines(run.stdout).filter((finding) => finding.severity !== 'notice') };
}

async function buildExitCode(root: string): Promise<number> {
  return (await runCli(['build', '--no-sign', '--format', 'json', '--out', join(root, 'output')], { cwd: root })).exitCode;
}

describe('findings in extras', () => {
  it('a JSON 6902 operation on a path the object lacks, at its line in the patch file', async () => {
    const { root, findings: found } = await findings({
      'environments/prod.yaml': prod('patches:\n  - path: prod/timeout.yaml\n    target: {kind: HelmRelease, name: worker}\n'),
      'environments/prod/timeout.yaml': '- op: replace\n  path: /spec/timeout\n  value: 30m\n- op: replace\n  path: /spec/nothing/here\n  value: 1\n',
    });
    expect(await buildExitCode(root)).toBe(1);
    expect(found).toEqual([expect.objectContaining({ code: 'patch-path-missing', file: 'environments/prod/timeout.yaml', line: 5, column: 9 })]);
  });

  it('a target that selects nothing, at the target', async () => {
    const { findings: found } = await findings({
      'environments/prod.yaml': prod('patches:\n  - path: prod/p.yaml\n    target: {kind: Deployment, name: nobody}\n'),
      'environments/prod/p.yaml': '- op: add\n  path: /metadata/labels/x\n  value: y\n',
    });
    expect(found).toEqual([expect.objectContaining({ code: 'patch-target-missing', file: 'environments/prod.yaml', line: 15, column: 13 })]);
  });

  it('a strategic-merge patch of the chart output is accepted, one of a missing object is not (at its metadata)', async () => {
    const ok = await findings({
      'environments/prod.yaml': prod('patches:\n  - path: prod/grace.yaml\n'),
      'environments/prod/grace.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\nspec:\n  minReadySeconds: 5\n',
    });
    expect(ok.findings).toEqual([]);
    const missing = await findings({
      'environments/prod.yaml': prod('patches:\n  - path: prod/grace.yaml\n'),
      'environments/prod/grace.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ghost\n',
    });
    expect(missing.findings).toEqual([expect.objectContaining({ code: 'patch-target-missing', file: 'environments/prod/grace.yaml', line: 4, column: 3 })]);
  });

  it('malformed YAML, a missing file, an escaping path and a link out of the tree', async () => {
    const { findings: found } = await findings(
      {
        'environments/prod.yaml': prod('manifests:\n  - prod/broken.yaml\n  - prod/absent.yaml\n  - ../secrets/prod.sops.yaml\n  - prod/linked.yaml\n'),
        'environments/prod/broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [x\n',
      },
      (root) => symlinkSync('/etc/hostname', join(root, 'environments/prod/linked.yaml')),
    );
    const codes = [...new Set(found.map((finding) => `${finding.code} ${finding.file}:${finding.line}`))].sort();
    expect(codes).toEqual([
      'extra-file-missing environments/prod.yaml:15',
      'unsafe-extra-path environments/prod.yaml:16',
      'unsafe-path environments/prod/linked.yaml:1',
      'yaml-syntax environments/prod/broken.yaml:4',
    ].sort());
  });

  it('a manifest without kind, one that collides with a rendered object, an unknown overlay', async () => {
    const { findings: found } = await findings({
      'environments/prod.yaml': prod('overlays: [shared, nowhere]\nmanifests:\n  - prod/nokind.yaml\n'),
      'environments/prod/nokind.yaml': 'apiVersion: v1\nmetadata:\n  name: x\n',
      'overlays/shared/overlay.yaml': 'manifests: [ns.yaml]\n',
      'overlays/shared/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n',
    });
    const codes = found.map((finding) => `${finding.code} ${finding.file}:${finding.line}:${finding.column}`).sort();
    expect(codes).toEqual(['manifest-incomplete environments/prod/nokind.yaml:1:1', 'unknown-overlay environments/prod.yaml:13:20']);
    // The collision is judged once the environment's own files are right.
    const collision = await findings({
      'environments/prod.yaml': prod('overlays: [shared]\n'),
      'overlays/shared/overlay.yaml': 'manifests: [ns.yaml]\n',
      'overlays/shared/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n',
    });
    expect(collision.findings).toEqual([expect.objectContaining({ code: 'manifest-collision', file: 'overlays/shared/ns.yaml', line: 4, column: 9 })]);
  });
});
