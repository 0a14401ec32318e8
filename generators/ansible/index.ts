import { Scalar } from 'yaml';
import { BugError } from '../../src/core/errors.js';
import { textBytes, yamlBytes } from '../../src/core/serialize.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { bundlePath } from '../bundle/index.js';
import { cronFields } from '../infrastructure-shared/cron.js';
import { hostPorts } from '../infrastructure-shared/host.js';
import { generatedNotice } from '../infrastructure-shared/naming.js';
import type { EnvironmentGenerator } from '../types.js';
import type { OutputFile } from '../../src/core/output-file.js';
import { backupScript, updateAgentScript, updateService, updateTimer } from './files.js';

const decoder = new TextDecoder();

/**
 * A value from the inputs, tagged `!unsafe`: Ansible never evaluates it as a Jinja template,
 * whatever it contains. (The schemas already keep these to names and versions; this keeps it so.)
 */
function unsafe(value: string): Scalar {
  const scalar = new Scalar(value);
  scalar.tag = '!unsafe';
  return scalar;
}

/** The inventory group of an environment (Ansible group names take no dashes). */
function inventoryGroup(environment: ResolvedEnvironment): string {
  return `slipway_${environment.name.replace(/-/g, '_')}`;
}

/** Where operators put the host's address: this variable, read when the playbook connects. */
export const hostVariable = 'SLIPWAY_TARGET_HOST';

/**
 * Ansible for bare-metal targets: `ansible/inventory.yml` (one group, one host whose address the
 * operator supplies — the model holds no addresses, and the deploy repository is no place for
 * them) and `ansible/playbook.yml`, which installs Docker Engine and the Compose plugin from
 * Docker's repository, opens only SSH, HTTP, HTTPS and the public endpoints, deploys the signed
 * bundle, schedules backups per `backups`, and runs the update agent as a systemd timer.
 */
export const ansibleGenerator: EnvironmentGenerator = {
  name: 'ansible',
  scope: 'environment',
  description: 'Ansible inventory and playbook that install the Compose runtime on bare metal',
  appliesTo: (environment) => environment.provider === 'bare-metal',
  generate: (environment) => [inventoryFile(environment), playbookFile(environment)],
};

function withHeader(lines: string[], body: Uint8Array): Uint8Array {
  return textBytes(`${lines.map((line) => `# ${line}`).join('\n')}\n${decoder.decode(body)}`);
}

function inventoryFile(environment: ResolvedEnvironment): OutputFile {
  const inventory = {
    all: {
      children: {
        [inventoryGroup(environment)]: {
          hosts: {
            [environment.name]: {
              ansible_host: `{{ lookup('ansible.builtin.env', '${hostVariable}') }}`,
            },
          },
          vars: {
            slipway_environment: unsafe(environment.name),
            ...(environment.infrastructure.region ? { slipway_site: unsafe(environment.infrastructure.region) } : {}),
          },
        },
      },
    },
  };
  return {
    path: 'ansible/inventory.yml',
    bytes: withHeader(
      [
        generatedNotice(environment),
        `The host's address is not kept here: export ${hostVariable}=<address> before running the playbook,`,
        `or add ansible_host for host ${environment.name} in an inventory of your own (-i this -i yours).`,
      ],
      yamlBytes(inventory, { sortKeys: false }),
    ),
  };
}

/** `KIND:STORE` arguments of the backup script: every embedded store, by its Compose service. */
function backupTargets(environment: ResolvedEnvironment): string[] {
  const kinds = { postgres: 'postgres', mysql: 'mysql', redis: 'redis', 'object-storage': 'volume' } as const;
  return environment.resources
    .filter((resource) => !resource.managed)
    .map((resource) => `${kinds[resource.type]}:${resource.name}`)
    .sort();
}

function task(name: string, module: string, args: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, [module]: args, ...extra };
}

function playbookFile(environment: ResolvedEnvironment): OutputFile {
  const root = `/opt/slipway/${environment.name}`;
  const release = environment.release.version;
  const bundle = bundlePath(environment);
  const incoming = `${root}/incoming`;
  const compose = environment.runtimeVersion.effective;
  if (compose === undefined) throw new BugError(`${environment.name}: a bare-metal target always has the Compose version to install`);
  const backups = environment.infrastructure.backups;
  const stores = backupTargets(environment);
  for (const value of [environment.name, release, compose, ...stores]) {
    // Paths, arguments and unit names below are built from these; the schemas allow nothing else.
    if (!/^[A-Za-z0-9][A-Za-z0-9.+:-]*$/.test(value)) throw new BugError(`unexpected name ${JSON.stringify(value)} for the Ansible playbook`);
  }

  const tasks: Array<Record<string, unknown>> = [
    task('The target host is known', 'ansible.builtin.assert', {
      that: ['ansible_host is defined', 'ansible_host | length > 0'],
      fail_msg: `Set ${hostVariable} to the address of the host (or ansible_host in your own inventory).`,
    }),
    task('Gather facts', 'ansible.builtin.setup', {}),
    task('The host runs Debian or Ubuntu', 'ansible.builtin.assert', { that: ["ansible_facts['os_family'] == 'Debian'"], fail_msg: 'Slipway installs on Debian and Ubuntu hosts.' }),
    task('Install the prerequisites', 'ansible.builtin.apt', { name: ['ca-certificates', 'curl', 'cron', 'gzip', 'ufw', 'unzip'], state: 'present', update_cache: true }),
    task('Create the apt keyrings folder', 'ansible.builtin.file', { path: '/etc/apt/keyrings', state: 'directory', mode: '0755' }),
    task("Add Docker's signing key", 'ansible.builtin.get_url', {
      url: "https://download.docker.com/linux/{{ ansible_facts['distribution'] | lower }}/gpg",
      dest: '/etc/apt/keyrings/docker.asc',
      mode: '0644',
    }),
    task("Add Docker's apt repository", 'ansible.builtin.apt_repository', {
      repo: "deb [arch={{ {'x86_64': 'amd64', 'aarch64': 'arm64'}[ansible_facts['architecture']] | default(ansible_facts['architecture']) }} signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/{{ ansible_facts['distribution'] | lower }} {{ ansible_facts['distribution_release'] }} stable",
      filename: 'docker',
      state: 'present',
    }),
    task('Install Docker Engine and the Compose plugin', 'ansible.builtin.apt', {
      name: ['docker-ce', 'docker-ce-cli', 'containerd.io', 'docker-compose-plugin'],
      state: 'present',
      update_cache: true,
    }),
    task('Docker runs and starts at boot', 'ansible.builtin.systemd', { name: 'docker', state: 'started', enabled: true }),
    task('Read the Compose version', 'ansible.builtin.command', { argv: ['docker', 'compose', 'version', '--short'] }, { register: 'slipway_compose', changed_when: false }),
    task('Compose is recent enough', 'ansible.builtin.assert', {
      that: ["slipway_compose.stdout | trim is version(slipway_compose_min_version, '>=')"],
      fail_msg: 'This target needs Docker Compose {{ slipway_compose_min_version }} or later.',
    }),
    task('Firewall: deny incoming by default', 'ansible.builtin.command', { argv: ['ufw', 'default', 'deny', 'incoming'] }, { register: 'slipway_ufw_default', changed_when: "'unchanged' not in slipway_ufw_default.stdout" }),
    task(
      'Firewall: allow SSH, HTTP, HTTPS and the public endpoints',
      'ansible.builtin.command',
      { argv: ['ufw', 'allow', '{{ item }}/tcp'] },
      { loop: '{{ slipway_open_ports }}', register: 'slipway_ufw_allow', changed_when: "'Skipping' not in slipway_ufw_allow.stdout" },
    ),
    task('Firewall: read its state', 'ansible.builtin.command', { argv: ['ufw', 'status'] }, { register: 'slipway_ufw_status', changed_when: false }),
    task('Firewall: enable', 'ansible.builtin.command', { argv: ['ufw', '--force', 'enable'] }, { when: "'Status: active' not in slipway_ufw_status.stdout" }),
    // The bundle's scripts own releases/, current, state/ and backups/ under the root; the
    // playbook only drops the signed release into incoming/ and hands it to them.
    task('Create the install folders', 'ansible.builtin.file', { path: '{{ item }}', state: 'directory', owner: 'root', group: 'root', mode: '0750' }, { loop: [root, incoming] }),
    task(
      'Copy the signed release: manifest, signature and bundle',
      'ansible.builtin.copy',
      { src: '{{ playbook_dir }}/../{{ item.from }}', dest: `${incoming}/{{ item.to }}`, owner: 'root', group: 'root', mode: '0600' },
      { loop: [{ from: 'release.json', to: 'release.json' }, { from: 'release.json.sig', to: 'release.json.sig' }, { from: unsafe(bundle), to: 'bundle.zip' }], loop_control: { label: '{{ item.to }}' } },
    ),
    task('Install the tools the bundle scripts use', 'ansible.builtin.apt', { name: ['jq', 'openssl', 'sops', 'util-linux'], state: 'present' }),
    task('Is this environment installed already?', 'ansible.builtin.stat', { path: `${root}/state/installed.json` }, { register: 'slipway_installed' }),
    task('Unpack the bundle for the first install', 'ansible.builtin.unarchive', { src: `${incoming}/bundle.zip`, dest: `${incoming}/unpacked`, remote_src: true }, { when: 'not slipway_installed.stat.exists' }),
    task(
      'First install (install.sh checks the signature, decrypts the secrets, starts, migrates, seeds)',
      'ansible.builtin.command',
      { argv: ['bash', `${incoming}/unpacked/install.sh`, '--manifest', `${incoming}/release.json`, '--signature', `${incoming}/release.json.sig`, '--zip', `${incoming}/bundle.zip`] },
      { when: 'not slipway_installed.stat.exists', environment: { SOPS_AGE_KEY_FILE: '{{ slipway_age_key_file }}' } },
    ),
    task('Install the update agent script', 'ansible.builtin.copy', { content: unsafe(updateAgentScript), dest: '/usr/local/sbin/slipway-update-agent', owner: 'root', group: 'root', mode: '0750' }),
    task(
      'Apply this release on an installed host (the installed update.sh; a release not newer is left alone)',
      'ansible.builtin.command',
      { argv: ['/usr/local/sbin/slipway-update-agent', unsafe(environment.name)] },
      { when: 'slipway_installed.stat.exists' },
    ),
    task('Install the update agent', 'ansible.builtin.copy', { content: '{{ item.content }}', dest: '/etc/systemd/system/{{ item.name }}', owner: 'root', group: 'root', mode: '0644' }, {
      loop: [
        { name: 'slipway-update@.service', content: unsafe(updateService) },
        { name: 'slipway-update@.timer', content: unsafe(updateTimer) },
      ],
      loop_control: { label: '{{ item.name }}' },
    }),
    task('Run the update agent hourly', 'ansible.builtin.systemd', { name: `slipway-update@${environment.name}.timer`, state: 'started', enabled: true, daemon_reload: true }),
  ];
  if (backups) {
    const fields = cronFields(backups.schedule);
    tasks.push(
      task('Install the backup script', 'ansible.builtin.copy', { content: unsafe(backupScript), dest: '/usr/local/sbin/slipway-backup', owner: 'root', group: 'root', mode: '0750' }),
      task('Create the backup folder', 'ansible.builtin.file', { path: `/var/backups/slipway/${environment.name}`, state: 'directory', owner: 'root', group: 'root', mode: '0700' }),
      task(
        'Schedule the backups',
        'ansible.builtin.cron',
        {
          name: `slipway backup ${environment.name}`,
          cron_file: `slipway-backup-${environment.name}`,
          user: 'root',
          minute: unsafe(fields.minute),
          hour: unsafe(fields.hour),
          day: unsafe(fields.day),
          month: unsafe(fields.month),
          weekday: unsafe(fields.weekday),
          job: unsafe(
            [`/usr/local/sbin/slipway-backup ${environment.name} ${backups.retentionDays}`, ...stores].join(' ') + ` >> /var/log/slipway-backup-${environment.name}.log 2>&1`,
          ),
        },
      ),
    );
  }

  const play = {
    name: `Slipway: ${environment.name} on Docker Compose`,
    hosts: inventoryGroup(environment),
    become: true,
    gather_facts: false,
    vars: {
      slipway_environment: unsafe(environment.name),
      slipway_release: unsafe(release),
      slipway_compose_min_version: unsafe(compose),
      // The host firewall opens SSH, HTTP, HTTPS and every public endpoint.
      slipway_open_ports: hostPorts(environment, { ssh: true }),
      // Where the host keeps the age identity that opens this environment's secrets.
      slipway_age_key_file: unsafe(`/etc/slipway/${environment.name}/age.key`),
    },
    tasks,
  };
  return {
    path: 'ansible/playbook.yml',
    bytes: withHeader(
      [
        generatedNotice(environment),
        `Run from this folder: ansible-playbook -i inventory.yml playbook.yml (with ${hostVariable} set).`,
        `It deploys ../${bundle}${backups ? `, backs up at "${backups.schedule}" (UTC) keeping ${backups.retentionDays} days` : ''}.`,
      ],
      yamlBytes([play], { sortKeys: false }),
    ),
  };
}
