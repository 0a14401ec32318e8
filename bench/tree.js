// The benchmarks' source trees: many environments × a dozen services of one plain shape over two
// target kinds, or the bundled example's targets multiplied. Shared by the in-process and the fleet
// benchmark, which make their secrets with the real `secrets sync`.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/**
 * A fleet made of the bundled example: its services, releases, policies, overlays and keys, and
 * ENVIRONMENTS environments cycling through its targets (every mode, provider, runtime and
 * reconciler, blocked ones included) under new names, each with a passed attestation. Its
 * environments are as rich as a real platform team's — add-ons, overlays, patches, external
 * secrets, bundles — where the synthetic tree above repeats one plain shape. The secrets are made
 * by the caller (`secrets sync`), as for the synthetic tree.
 * Returns the root and the files the fleet benchmark changes: one environment, and a service most
 * environments run.
 */
export function writeExampleFleet(environmentCount, exampleRoot) {
  const root = mkdtempSync(join(tmpdir(), 'slipway-bench-example-'));
  for (const folder of ['services', 'releases', 'policies', 'overlays', 'keys']) cpSync(join(exampleRoot, folder), join(root, folder), { recursive: true });
  cpSync(join(exampleRoot, 'slipway.yaml'), join(root, 'slipway.yaml'));
  mkdirSync(join(root, 'environments'));
  const examples = readdirSync(join(exampleRoot, 'environments'), { withFileTypes: true });
  // What environments take from beside their file (a Compose override): kept where their paths point.
  for (const entry of examples.filter((entry) => entry.isDirectory())) cpSync(join(exampleRoot, 'environments', entry.name), join(root, 'environments', entry.name), { recursive: true });
  const bases = examples.filter((entry) => entry.isFile() && entry.name.endsWith('.yaml')).map((entry) => entry.name.slice(0, -'.yaml'.length)).sort();
  const attested = [];
  const names = [];
  for (let i = 0; i < environmentCount; i++) {
    const base = bases[i % bases.length];
    const name = `${base}-${String(i).padStart(4, '0')}`;
    const text = readFileSync(join(exampleRoot, 'environments', `${base}.yaml`), 'utf8').replace(new RegExp(`^name: ${base}$`, 'm'), `name: ${name}`);
    writeFileSync(join(root, 'environments', `${name}.yaml`), text);
    attested.push(`  ${name}: { status: passed, at: "2026-11-20T00:00:00Z" }`);
    names.push(name);
  }
  const attestation = readFileSync(join(exampleRoot, 'policies', 'attestation-policy.yaml'), 'utf8').replace(/^results:[\s\S]*$/m, `results:\n${attested.join('\n')}\n`);
  writeFileSync(join(root, 'policies', 'attestation-policy.yaml'), attestation);
  return {
    root,
    description: `${environmentCount} environments from the bundled example's ${bases.length} targets`,
    otherEnvironment: names[2],
    // A new change each round (1, 2, …), so every incremental build has one environment to render again.
    changeOneEnvironment: (round = 1) => changeFile(join(root, 'environments', `${names[1]}.yaml`), /^description: (.*?)(?: \(change \d+\))?$/m, `description: $1 (change ${round})`),
    // A ready target (the bundled example's first, acme-onprem, is blocked), as a pull request would change it.
    changeAnotherEnvironment: () => changeFile(join(root, 'environments', `${names[bases.indexOf('eu-prod')]}.yaml`), /^description: (.*)$/m, 'description: $1 (reviewed)'),
    changeSharedService: () => changeFile(join(root, 'services', 'api', 'service.json'), '"LOG_CHANNEL": "stderr"', '"LOG_CHANNEL": "stdout"'),
  };
}

/** The synthetic tree, with the same two changes as `writeExampleFleet`. */
export async function writeSyntheticFleet(environmentCount) {
  const root = await writeBenchTree(environmentCount);
  return {
    root,
    description: `${environmentCount} synthetic environments × 12 services`,
    otherEnvironment: 'env-0002',
    changeOneEnvironment: (round = 1) => changeFile(join(root, 'environments', 'env-0001.yaml'), /scaling: \{min: \d+, max: 9\}/, `scaling: {min: ${3 + round}, max: 9}`),
    changeAnotherEnvironment: () => changeFile(join(root, 'environments', 'env-0003.yaml'), 'scaling: {min: 3, max: 9}', 'scaling: {min: 5, max: 9}'),
    changeSharedService: () => changeFile(join(root, 'services', 'svc-03', 'service.json'), '"LOG_LEVEL":"info"', '"LOG_LEVEL":"debug"'),
  };
}

function changeFile(path, from, to) {
  const before = readFileSync(path, 'utf8');
  const after = before.replace(from, to);
  if (after === before) throw new Error(`the benchmark's change did not apply to ${path}`);
  writeFileSync(path, after);
}
