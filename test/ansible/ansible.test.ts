import { standalone } from '../support/example.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, type ScalarTag } from 'yaml';
import { ansibleGenerator, hostVariable } from '../../generators/ansible/index.js';
import { backupScript, updateAgentScript } from '../../generators/ansible/files.js';
import { bundlePath } from '../../generators/bundle/index.js';
import { describeWithTool, runTool, toolPresent } from '../support/tools.js';
import { exampleModel } from '../terraform/support.js';

const decoder = new TextDecoder();
const unsafeTag: ScalarTag = { tag: '!unsafe', resolve: (value: string) => value };
const environment = exampleModel('northwind-onprem');
const files = new Map(ansibleGenerator.generate(environment, standalone).map((file) => [file.path, decoder.decode(file.bytes)]));
const playbook = parse(files.get('ansible/playbook.yml')!, { customTags: [unsafeTag] }) as Array<{ hosts: string; vars: Record<string, unknown>; tasks: Array<Record<string, any>> }>;
const tasks = playbook[0]!.tasks;
const taskNamed = (fragment: string) => tasks.find((task) => String(task.name).includes(fragment))!;

const work = mkdtempSync(join(tmpdir(), 'slipway-ansible-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const folder = join(work, 'environments', environment.name);
mkdirSync(join(folder, 'ansible'), { recursive: true });
mkdirSync(join(folder, 'bundle'), { recursive: true });
for (const [path, text] of files) writeFileSync(join(folder, path), text);
writeFileSync(join(folder, bundlePath(environment)), 'placeholder: the bundle generator writes the real zip');
const ansibleDir = join(folder, 'ansible');

describe('the bare-metal playbook (northwind-onprem)', () => {
  it('applies only to bare-metal targets and writes the inventory and the playbook', () => {
    expect([...files.keys()].sort()).toEqual(['ansible/inventory.yml', 'ansible/playbook.yml']);
    expect(ansibleGenerator.appliesTo(exampleModel('us-prod'))).toBe(false);
  });

  it('installs Docker Engine and the Compose plugin from Docker\'s repository, and checks the Compose version', () => {
    expect(taskNamed('Install Docker Engine')['ansible.builtin.apt'].name).toEqual(['docker-ce', 'docker-ce-cli', 'containerd.io', 'docker-compose-plugin']);
    expect(taskNamed("Docker's apt repository")['ansible.builtin.apt_repository'].repo).toContain('https://download.docker.com/linux/');
    expect(playbook[0]!.vars.slipway_compose_min_version).toBe('2.29');
    expect(taskNamed('Compose is recent enough')['ansible.builtin.assert'].that[0]).toContain("is version(slipway_compose_min_version, '>=')");
  });

  it('opens only SSH, HTTP, HTTPS and the public endpoints', () => {
    expect(playbook[0]!.vars.slipway_open_ports).toEqual([22, 80, 443]);
    expect(taskNamed('deny incoming')['ansible.builtin.command'].argv).toEqual(['ufw', 'default', 'deny', 'incoming']);
  });

  it('deploys the signed bundle from the environment folder: install.sh once, update.sh for later releases', () => {
    const root = `/opt/slipway/${environment.name}`;
    const copy = taskNamed('Copy the signed release');
    expect(copy['ansible.builtin.copy'].src).toBe('{{ playbook_dir }}/../{{ item.from }}');
    expect(copy.loop.map((item: { from: unknown }) => String(item.from))).toEqual(['release.json', 'release.json.sig', `bundle/${environment.name}-${environment.release.version}.zip`]);
    // The contract of the bundle's own scripts: install.sh given the release files, once; later the INSTALLED update.sh.
    const install = taskNamed('First install');
    expect(install['ansible.builtin.command'].argv).toEqual(['bash', `${root}/incoming/unpacked/install.sh`, '--manifest', `${root}/incoming/release.json`, '--signature', `${root}/incoming/release.json.sig`, '--zip', `${root}/incoming/bundle.zip`]);
    expect(install.when).toBe('not slipway_installed.stat.exists');
    expect(taskNamed('Apply this release')['ansible.builtin.command'].argv.map(String)).toEqual(['/usr/local/sbin/slipway-update-agent', environment.name]);
    expect(updateAgentScript).toContain('exec "$root/current/update.sh" "$incoming/release.json" "$incoming/release.json.sig" "$incoming/bundle.zip"');
  });

  it('schedules backups per the environment (cron, retention) and the update agent as a systemd timer', () => {
    const cron = taskNamed('Schedule the backups')['ansible.builtin.cron'];
    expect(cron).toMatchObject({ minute: '15', hour: '3', day: '*', month: '*', weekday: '*', user: 'root' });
    expect(cron.job).toBe('/usr/local/sbin/slipway-backup northwind-onprem 35 postgres:database redis:cache volume:uploads >> /var/log/slipway-backup-northwind-onprem.log 2>&1');
    expect(taskNamed('Run the update agent')['ansible.builtin.systemd']).toMatchObject({ name: 'slipway-update@northwind-onprem.timer', enabled: true, state: 'started' });
  });

  it('uses ansible-core modules only (no collections to install) and marks input-derived values unsafe for Jinja', () => {
    const modules = tasks.flatMap((task) => Object.keys(task).filter((key) => key.includes('.')));
    expect(modules.every((module) => module.startsWith('ansible.builtin.'))).toBe(true);
    expect(files.get('ansible/playbook.yml')).toContain('slipway_release: !unsafe 2026.11.2');
    expect(files.get('ansible/inventory.yml')).toContain(`lookup('ansible.builtin.env', '${hostVariable}')`);
  });
});

const describeAnsible = describeWithTool('ansible-playbook', toolPresent('ansible-playbook', ['--version']));
describeAnsible('ansible-core accepts the playbook and the inventory', () => {
  it('ansible-playbook --syntax-check passes', () => {
    const run = runTool('ansible-playbook', ['-i', 'inventory.yml', '--syntax-check', 'playbook.yml'], { cwd: ansibleDir });
    expect(run.status, run.stderr + run.stdout).toBe(0);
  });

  it('ansible-inventory --list passes with unparsed inventories made fatal', () => {
    const run = runTool('ansible-inventory', ['-i', 'inventory.yml', '--list'], { cwd: ansibleDir, env: { ...process.env, ANSIBLE_INVENTORY_UNPARSED_FAILED: 'true' } });
    expect(run.status, run.stderr).toBe(0);
    const inventory = JSON.parse(run.stdout) as Record<string, { hosts?: string[] }>;
    expect(inventory.slipway_northwind_onprem?.hosts).toEqual(['northwind-onprem']);
  });

  it(`the host's address comes from ${hostVariable}`, () => {
    const run = runTool('ansible', ['all', '-i', 'inventory.yml', '--connection=local', '-m', 'ansible.builtin.debug', '-a', 'var=ansible_host'], {
      cwd: ansibleDir,
      env: { ...process.env, [hostVariable]: '192.0.2.10', ANSIBLE_INVENTORY_UNPARSED_FAILED: 'true' },
    });
    expect(run.status, run.stderr + run.stdout).toBe(0);
    expect(run.stdout).toContain('"ansible_host": "192.0.2.10"');
  });
});

const describeShellcheck = describeWithTool('shellcheck', toolPresent('shellcheck', ['--version']));
describeShellcheck('the scripts the playbook installs', () => {
  it('the backup script passes shellcheck and sh -n', () => {
    const script = join(work, 'slipway-backup');
    writeFileSync(script, backupScript);
    const lint = runTool('shellcheck', ['-s', 'sh', script]);
    expect(lint.status, lint.stdout).toBe(0);
    expect(runTool('sh', ['-n', script]).status).toBe(0);
  });

  it('the update agent passes shellcheck and bash -n', () => {
    const script = join(work, 'slipway-update-agent');
    writeFileSync(script, updateAgentScript);
    const lint = runTool('shellcheck', [script]);
    expect(lint.status, lint.stdout).toBe(0);
    expect(runTool('bash', ['-n', script]).status).toBe(0);
  });
});
