import { copyFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { ProvisioningPlan } from '../../generators/runbook/index.js';
import { runCli } from '../support/cli.js';
import { describeWithTool, runTool, toolPresent } from '../support/tools.js';
import { useTrees } from '../support/tree.js';

const tree = useTrees();

/**
 * The README and plan.md of every environment tell the operator to check release.json with two
 * stock OpenSSL commands, run from the environment's folder with the trusted key beside it. Run
 * them exactly as the plan prints them, on a folder a signed build wrote.
 */
describeWithTool('OpenSSL', toolPresent('openssl', ['version']))('the signature check the runbook prints', () => {
  it('passes on the signed folder, and fails once release.json is changed', async () => {
    const root = tree();
    mkdirSync(join(root, 'keys'), { recursive: true });
    expect(runTool('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', join(root, 'signing.key.pem')]).status).toBe(0);
    expect(runTool('openssl', ['pkey', '-in', join(root, 'signing.key.pem'), '-pubout', '-out', join(root, 'keys', 'release.pub.pem')]).status).toBe(0);
    const build = await runCli(['build', '--signing-key', 'signing.key.pem'], { cwd: root });
    expect(build.exitCode, build.stderr).toBe(0);

    const folder = join(root, 'check');
    cpSync(join(root, 'output', 'environments', 'prod'), folder, { recursive: true });
    copyFileSync(join(root, 'keys', 'release.pub.pem'), join(folder, 'release.pub.pem'));
    const plan = JSON.parse(readFileSync(join(folder, 'plan.json'), 'utf8')) as ProvisioningPlan;
    const commands = plan.steps.find((step) => step.id === 'bind-release')!.actions.flatMap((action) => (action.command?.[0] === 'openssl' ? [action.command] : []));
    expect(commands).toHaveLength(2);
    expect(commands[1]).toContain('release.pub.pem');

    const runAll = () => commands.map(([command, ...args]) => runTool(command!, args, { cwd: folder }));
    const good = runAll();
    for (const run of good) expect(run.status, run.stderr).toBe(0);
    expect(good[1]!.stdout).toMatch(/Signature Verified Successfully/);

    const manifest = readFileSync(join(folder, 'release.json'));
    manifest[manifest.length - 2]! ^= 0x01;
    writeFileSync(join(folder, 'release.json'), manifest);
    expect(runAll()[1]!.status).not.toBe(0);
  });
});
