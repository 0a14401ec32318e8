// The benchmark's source tree: many environments × a dozen services over every runtime kind,
// with its secrets made by the real `secrets sync`. Shared by the in-process and the fleet benchmark.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';

/** Writes the tree into a new temporary folder and returns its root. */
export async function writeBenchTree(environmentCount) {
  const root = mkdtempSync(join(tmpdir(), 'slipway-bench-'));
  const serviceCount = 12;
  const digest = (n) => `sha256:${n.toString(16).padStart(64, '0')}`;

  const services = Array.from({ length: serviceCount }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
  for (const [i, name] of services.entries()) {
    mkdirSync(join(root, 'services', name), { recursive: true });
    const role = i === 0 ? 'api' : i === 1 ? 'scheduler' : 'worker';
    writeFileSync(
      join(root, 'services', name, 'service.json'),
      JSON.stringify({
        name,
        role,
        image: `registry.example.com/bench/${name}`,
        ports: role === 'api' ? [{ name: 'http', port: 8080, expose: 'public' }] : undefined,
        health: role === 'api' ? { path: '/healthz', port: 'http' } : { command: ['true'] },
        env: { APP_DEBUG: 'false', LOG_LEVEL: 'info' },
        secrets: { APP_KEY: { generate: 'laravel-app-key' } },
        dependencies: { services: i > 1 ? [services[0]] : [], resources: [{ name: 'database', type: 'postgres' }] },
        scaling: role === 'scheduler' ? { min: 1, max: 1 } : { min: 2, max: 6 },
      }),
    );
  }
  mkdirSync(join(root, 'releases'));
  writeFileSync(
    join(root, 'releases', '1.0.0.yaml'),
    `version: "1.0.0"\nimages:\n${services.map((s, i) => `  ${s}: registry.example.com/bench/${s}@${digest(i + 1)}\n`).join('')}`,
  );
  mkdirSync(join(root, 'policies'));
  writeFileSync(join(root, 'policies', 'target-policy.yaml'), 'runtimes: {kubernetes: {minVersion: "1.29"}, compose: {}, ecs: {}}\nrevokedLicenses: [LIC-0042]\n');
  writeFileSync(join(root, 'policies', 'provisioning-policy.yaml'), 'allowed:\n  saas: {aws: [kubernetes, ecs], digitalocean: [kubernetes, compose]}\n  self-hosted: {bare-metal: [compose]}\n');
  const recipient = await identityToRecipient(await generateX25519Identity());
  writeFileSync(join(root, 'policies', 'secrets-policy.yaml'), `recipients: [${recipient}]\n`);
  mkdirSync(join(root, 'environments'));
  for (let i = 0; i < environmentCount; i++) {
    const name = `env-${String(i).padStart(4, '0')}`;
    const selfHosted = i % 3 === 0;
    writeFileSync(
      join(root, 'environments', `${name}.yaml`),
      [
        `name: ${name}`,
        `mode: ${selfHosted ? 'self-hosted' : 'saas'}`,
        `tier: ${i % 2 === 0 ? 'production' : 'staging'}`,
        `provider: ${selfHosted ? 'bare-metal' : 'aws'}`,
        `runtime: ${selfHosted ? 'compose' : 'kubernetes'}`,
        ...(selfHosted ? [] : [`region: ${['eu-central-1', 'us-east-1', 'ap-southeast-2'][i % 3]}`]),
        'release: "1.0.0"',
        `license: LIC-${String(i).padStart(4, '0')}`,
        'overrides:',
        '  services:',
        `    ${services[2]}: {env: {QUEUE: "q-${i}"}, scaling: {min: 3, max: 9}}`,
        '',
      ].join('\n'),
    );
  }
  return root;
}
