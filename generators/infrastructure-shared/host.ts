import { call, ref, type FunctionCall } from '../../src/core/hcl/index.js';
import { textBytes, yamlBytes } from '../../src/core/serialize.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';

const decoder = new TextDecoder();

/** Docker's apt repository signing key (https://download.docker.com/linux/ubuntu/gpg). */
const dockerKeyFingerprint = '9DC858229FC7DD38854AE2D88D81803C0EBFCD88';

export interface HostOptions {
  /** Docker's daemon.json: log driver and its options. */
  daemon: Record<string, unknown>;
  /** A block device to hold /var/lib/docker (the Compose volumes), mounted before Docker starts. */
  dataDevice?: string;
}

/**
 * cloud-init user data for a host that runs the Compose runtime: Docker Engine and the Compose
 * plugin from Docker's apt repository, the daemon settings, and the folder the self-hosted bundle
 * (or the Compose file) is installed into. Built as data and serialised as YAML; Terraform gets it
 * through `file()`, so the reviewer reads it as YAML.
 */
export function composeHostUserData(environment: ResolvedEnvironment, options: HostOptions): Uint8Array {
  const document: Record<string, unknown> = {
    package_update: true,
    apt: {
      sources: {
        'docker.list': {
          source: 'deb [signed-by=$KEY_FILE] https://download.docker.com/linux/ubuntu $RELEASE stable',
          keyid: dockerKeyFingerprint,
        },
      },
    },
    ...(options.dataDevice ? { mounts: [[options.dataDevice, '/var/lib/docker', 'ext4', 'defaults,nofail,discard', '0', '2']] } : {}),
    packages: ['docker-ce', 'docker-ce-cli', 'containerd.io', 'docker-compose-plugin', 'unzip'],
    write_files: [{ path: '/etc/docker/daemon.json', permissions: '0644', content: `${JSON.stringify(options.daemon, null, 2)}\n` }],
    runcmd: [
      ['systemctl', 'enable', '--now', 'docker'],
      ['install', '-d', '-m', '0750', `/opt/slipway/${environment.name}`],
    ],
  };
  return textBytes(`#cloud-config\n${decoder.decode(yamlBytes(document, { sortKeys: false }))}`);
}

export const rotatedJsonLogs = { 'log-driver': 'json-file', 'log-opts': { 'max-size': '50m', 'max-file': '5' } };

/** The file beside the `.tf` files that holds the user data. */
export const userDataFile = 'host-cloud-init.yaml';

/** How Terraform reads the user data: from the file beside the configuration. */
export function userDataReference(): FunctionCall {
  return call('file', call('format', `%s/${userDataFile}`, ref('path.module')));
}

/** Ports a Compose host takes connections on: HTTP, HTTPS, every public endpoint, and SSH unless operators come in another way. */
export function hostPorts(environment: ResolvedEnvironment, options: { ssh: boolean }): number[] {
  const base = options.ssh ? [22, 80, 443] : [80, 443];
  return [...new Set([...base, ...environment.infrastructure.publicEndpoints.map((endpoint) => endpoint.number)])].sort((a, b) => a - b);
}
