import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProvisioningPlan } from '../../generators/runbook/index.js';
import { runCli } from '../support/cli.js';
import { repositoryRoot, useTrees } from '../support/tree.js';

const tree = useTrees();

const stepTitles = ['Allocate the target', 'Validate the runtime', 'Inject secrets', 'Run migrations', 'Seed foundation data', 'Activate the license', 'Bind the release', 'Run health checks', 'Lock the installer', 'Record the audit event'];

describe('slipway plan ENV', () => {
  it('prints the ten steps as text by default, exit 0', async () => {
    const run = await runCli(['plan', 'prod'], { cwd: tree() });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    const headings = run.stdout.split('\n').filter((line) => /^ ?\d+\. /.test(line)).map((line) => line.replace(/^ ?\d+\. /, ''));
    expect(headings).toEqual(stepTitles);
    expect(run.stdout).toContain('$ terraform -chdir=terraform apply');
    expect(run.stdout).toContain('$ kubectl apply --kustomize k8s');
    expect(run.stdout).toContain('No deployed service declares migrations');
  });

  it('prints exactly the plan.json and plan.md that build writes', async () => {
    const root = tree();
    const build = await runCli(['build', '--no-sign'], { cwd: root });
    expect(build.exitCode, build.stderr).toBe(0);
    const folder = join(root, 'output', 'environments', 'onprem');
    const json = await runCli(['plan', 'onprem', '--format', 'json'], { cwd: root });
    expect(json.exitCode, json.stderr).toBe(0);
    expect(json.stdout).toBe(readFileSync(join(folder, 'plan.json'), 'utf8'));
    const plan = JSON.parse(json.stdout) as ProvisioningPlan;
    expect(plan.steps.map((step) => step.title)).toEqual(stepTitles);
    expect(plan.steps.find((step) => step.id === 'allocate-target')!.actions.some((a) => a.command?.[0] === 'ansible-playbook')).toBe(true);
    const markdown = await runCli(['plan', 'onprem', '--format', 'markdown', '--root', root], { cwd: repositoryRoot });
    expect(markdown.exitCode, markdown.stderr).toBe(0);
    expect(markdown.stdout).toBe(readFileSync(join(folder, 'plan.md'), 'utf8'));
    expect(readFileSync(join(folder, 'README.md'), 'utf8')).toContain('```mermaid\nflowchart TD\n');
  });

  it('prints the example environments from the repository', async () => {
    const run = await runCli(['plan', 'us-prod'], { cwd: repositoryRoot });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain('aws ecs wait services-stable --cluster us-prod');
  });

  it('prints a blocked target with its reasons first, and exits 1', async () => {
    const root = tree({ 'policies/target-policy.yaml': 'revokedLicenses: [LIC-0001]\n' });
    const run = await runCli(['plan', 'onprem'], { cwd: root });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/^Provisioning plan for onprem: .*\n\nBLOCKED: .*\n {2}- license LIC-0001 is revoked/);
    expect(run.stdout).toContain('10. Record the audit event');
    expect(run.stderr).toContain('onprem is blocked: license LIC-0001 is revoked');
    const json = await runCli(['plan', 'onprem', '--format', 'json'], { cwd: root });
    expect(json.exitCode).toBe(1);
    expect((JSON.parse(json.stdout) as ProvisioningPlan).blockReasons).toEqual([{ cause: 'license-revoked', message: expect.stringContaining('LIC-0001') }]);
    const markdown = await runCli(['plan', 'onprem', '--format', 'markdown'], { cwd: root });
    expect(markdown.stdout).toContain('> **Blocked.**');
  });

  it('exits 2 for an environment that does not exist, a name that is not one, or a bad format', async () => {
    const root = tree();
    const unknown = await runCli(['plan', 'nowhere'], { cwd: root });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('there is no environments/nowhere.yaml');
    expect(unknown.stdout).toBe('');
    expect((await runCli(['plan', '../secrets/prod'], { cwd: root })).exitCode).toBe(2);
    expect((await runCli(['plan', 'prod', '--format', 'yaml'], { cwd: root })).exitCode).toBe(2);
    expect((await runCli(['plan'], { cwd: root })).exitCode).toBe(2);
    expect((await runCli(['plan', 'prod', '--root', join(root, 'missing')], { cwd: root })).exitCode).toBe(2);
  });

  it('prints the findings instead of a plan when the environment is invalid, exit 1', async () => {
    const root = tree({ 'environments/prod.yaml': 'name: prod\nmode: saas\ntier: production\nprovider: aws\nruntime: kubernetes\nrelease: "9.9.9"\n' });
    const run = await runCli(['plan', 'prod'], { cwd: root });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('unknown-release');
    expect(run.stderr).toContain('no plan for prod');
  });

  it('is deterministic: two runs print the same bytes', async () => {
    const root = tree();
    const first = await runCli(['plan', 'prod', '--format', 'markdown'], { cwd: root });
    const second = await runCli(['plan', 'prod', '--format', 'markdown'], { cwd: root });
    expect(second.stdout).toBe(first.stdout);
  });
});
