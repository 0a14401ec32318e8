import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { decryptSopsYaml } from '../../src/core/sops/index.js';
import { parseJsonLines } from '../support/cli.js';
import { gpgPresent, keyringWith, validSignatureBy } from '../support/gnupg.js';
import { describeWithTool, toolPresent } from '../support/tools.js';
import { readTree, repositoryRoot } from '../support/tree.js';
import { freshTargets, freshTreeFiles } from '../wiring/fresh-tree.js';
import { extraFilesFlow } from './extra-flow.js';
import { extensionsFlow } from './extensions-flow.js';
import { adoptionFlow, publishFlow } from './init-flow.js';

/**
 * The product as a user gets it: `npm pack` of this repository, installed into an empty folder
 * outside it, and every command run through that installation's `node_modules/.bin/slipway` with
 * the user's folder as the working directory — never this repository's bin/ or src/. The source
 * tree is the shop of test/wiring/fresh-tree.ts, written into a temporary folder with an age
 * recipient made here and the release key made by the installed `slipway keygen`; the deploy repo
 * is a bare git repository. Whatever only works inside this repository (a file left out of
 * package.json "files", a path resolved against the checkout) fails here.
 */

const describeE2e = describeWithTool('git', toolPresent('git'));

/** 2026-11-20T00:00:00Z: the fresh tree's attestations (2026-11-16, maxAgeDays 14) are fresh then. */
const SOURCE_DATE_EPOCH = '1795132800';
const SLIPWAY_IGNORES = ['CODEOWNERS'];
const CODEOWNERS = '* @acme-shop/platform\n';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

interface Installed {
  work: string;
  /** The user's project: an empty npm package with the tarball installed, the cwd of every command. */
  project: string;
  bin: string;
  source: string;
  keys: string;
  identity: string;
  out: string;
  deploy: string;
  keyId: string;
}

/**
 * The environment of every process the test starts: only what a shell would have, none of the
 * variables that would change what Slipway does (GITHUB_ACTIONS picks the github format,
 * SLIPWAY_SIGNING_KEY and SOPS_AGE_KEY* supply keys, GITHUB_SHA a source commit).
 */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'SYSTEMROOT', 'npm_config_cache', 'NPM_CONFIG_CACHE', 'npm_config_registry', 'NPM_CONFIG_REGISTRY', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy'];
  const env: NodeJS.ProcessEnv = {};
  for (const name of keep) if (process.env[name] !== undefined) env[name] = process.env[name];
  return {
    ...env,
    NO_COLOR: '1',
    GIT_AUTHOR_NAME: 'Platform Team',
    GIT_AUTHOR_EMAIL: 'platform@example.net',
    GIT_COMMITTER_NAME: 'Platform Team',
    GIT_COMMITTER_EMAIL: 'platform@example.net',
    GIT_CONFIG_NOSYSTEM: '1',
    ...extra,
  };
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv()): Run {
  const result = spawnSync(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function ok(command: string, args: string[], cwd: string): string {
  const result = run(command, args, cwd);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

const outside = (path: string) => {
  const rel = relative(realpathSync(repositoryRoot), realpathSync(path));
  return rel.startsWith('..') || isAbsolute(rel);
};

let work: string | undefined;
let installed: Installed | undefined;
const setup = (): Installed => {
  if (!installed) throw new Error('the packed package was not installed (see the beforeAll error)');
  return installed;
};

/** What every command printed, checked for plaintext secrets at the end. */
const printed: Array<{ command: string; text: string }> = [];

/** The installed CLI, from the user's project folder, at a fixed build time. */
const slipway = (...args: string[]): Run => {
  const { bin, project } = setup();
  const result = run(bin, args, project, cleanEnv({ SOURCE_DATE_EPOCH }));
  printed.push({ command: `slipway ${args[0]}${args[0] === 'secrets' ? ` ${args[1]}` : ''}`, text: result.stdout + result.stderr });
  return result;
};

const git = (args: string[], cwd: string) => ok('git', args, cwd);

/** Each pipeline step runs once; a later step calls the earlier ones, so a failure names its own step. */
function once<T>(step: () => T): () => T {
  let done: { value: T } | undefined;
  return () => (done ??= { value: step() }).value;
}

const synced = once(() => slipway('secrets', 'sync', '--root', setup().source));
const built = once(() => {
  expect(synced().status, 'secrets sync').toBe(0);
  const { source, out, keys } = setup();
  return slipway('build', '--root', source, '--out', out, '--signing-key', join(keys, 'slipway-signing.key.pem'));
});
const firstPublish = once(() => {
  expect(built().status, 'build').toBe(0);
  const { out, deploy, source, keys } = setup();
  return slipway('publish', '--out', out, '--to', deploy, '--keys', join(source, 'keys'), '--commit-signing-key', join(keys, 'slipway-commit.key.asc'));
});

/** Every file of a branch of the bare deploy repo, as a clone checks it out (`.git` left out). */
function clonedFiles(label: string): Map<string, Buffer> {
  const { work, deploy } = setup();
  const clone = join(work, `clone-${label}`);
  git(['clone', '--quiet', deploy, clone], work);
  rmSync(join(clone, '.git'), { recursive: true, force: true });
  return readTree(clone);
}

const commitCount = () => Number(git(['--git-dir', setup().deploy, 'rev-list', '--count', 'HEAD'], setup().work).trim());

describeE2e('the packed package, installed outside the repository', () => {
  beforeAll(async () => {
    const started = Date.now();
    const root = (work = mkdtempSync(join(tmpdir(), 'slipway-e2e-')));
    expect(outside(root), `${root} must be outside ${repositoryRoot}`).toBe(true);

    // One pack (its `prepare` builds dist/), one install into an empty npm project.
    const packs = join(root, 'pack');
    mkdirSync(packs);
    ok('npm', ['pack', '--pack-destination', packs, '--silent'], repositoryRoot);
    const tarballs = readdirSync(packs).filter((name) => name.endsWith('.tgz'));
    expect(tarballs).toHaveLength(1);
    const project = join(root, 'project');
    mkdirSync(project);
    ok('npm', ['init', '-y'], project);
    ok('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(packs, tarballs[0]!)], project);
    const bin = join(project, 'node_modules', '.bin', 'slipway');
    expect(existsSync(bin), 'node_modules/.bin/slipway').toBe(true);
    // A copy of the package, not a link back into the repository.
    const installedPackage = join(project, 'node_modules', 'slipway');
    expect(lstatSync(installedPackage).isSymbolicLink()).toBe(false);
    expect(outside(realpathSync(bin))).toBe(true);

    // The release key pair, from the installed CLI.
    const keys = join(root, 'keys');
    const keygen = run(bin, ['keygen', '--out', keys], project, cleanEnv());
    expect(keygen.status, keygen.stderr).toBe(0);
    const keyId = /signing key id ([0-9a-f]{16})/.exec(keygen.stdout + keygen.stderr)?.[1];
    expect(keyId, keygen.stdout + keygen.stderr).toBeDefined();
    const publicKeyPem = readFileSync(join(keys, 'slipway-signing.pub.pem'), 'utf8');

    const identity = await generateX25519Identity();
    const recipient = await identityToRecipient(identity);
    const source = join(root, 'source');
    for (const [path, text] of Object.entries(freshTreeFiles({ recipient, publicKeyPem }))) {
      mkdirSync(dirname(join(source, path)), { recursive: true });
      writeFileSync(join(source, path), text);
    }

    // The deploy repo: bare, with a file Slipway does not manage on its default branch.
    const deploy = join(root, 'deploy.git');
    git(['init', '--quiet', '--bare', '--initial-branch', 'main', deploy], root);
    const seed = join(root, 'seed');
    git(['clone', '--quiet', deploy, seed], root);
    writeFileSync(join(seed, 'CODEOWNERS'), CODEOWNERS);
    git(['add', 'CODEOWNERS'], seed);
    git(['commit', '--quiet', '-m', 'Code owners'], seed);
    git(['push', '--quiet', 'origin', 'HEAD:main'], seed);

    installed = { work: root, project, bin, source, keys, identity, out: join(root, 'out'), deploy, keyId: keyId! };
    console.info(`packed and installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 240_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('runs the installed version', () => {
    const version = slipway('--version');
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(repositoryRoot, 'package.json'), 'utf8')).version);
    // The libraries bundled into it ship with their licences.
    const notices = readFileSync(join(setup().project, 'node_modules', 'slipway', 'dist', 'bundle', 'THIRD-PARTY-LICENSES.txt'), 'utf8');
    for (const name of ['yaml', 'commander', '@noble/ed25519']) {
      const manifest = JSON.parse(readFileSync(join(repositoryRoot, 'node_modules', name, 'package.json'), 'utf8')) as { version: string; license: string };
      expect(notices).toContain(`${name} ${manifest.version} (${manifest.license})`);
    }
  });

  it('init in an npm project, then the three commands it prints, pass; its modelines reach the installed schemas', () => {
    const { work, project, bin } = setup();
    adoptionFlow({ work, installedNodeModules: join(project, 'node_modules'), slipway: (cwd, args) => run(bin, args, cwd, cleanEnv({ SOURCE_DATE_EPOCH })) });
  });

  it('init, then publish with no --to into a fresh bare repository on master, change, diff and publish again: sequence 2; --env takes the rest from the build record; a mirror --to is chained at its HEAD; a closed pipe ends quietly', () => {
    const { work, project, bin } = setup();
    publishFlow({ work, installedNodeModules: join(project, 'node_modules'), bin, slipway: (cwd, args) => run(bin, args, cwd, cleanEnv({ SOURCE_DATE_EPOCH })), git });
  });

  it('hand-written files under extra/ in the deploy repository outlive two publishes, verify reports them as unmanaged, and tampering is still exit 3', () => {
    const { work, project, bin } = setup();
    extraFilesFlow({ work, installedNodeModules: join(project, 'node_modules'), slipway: (cwd, args) => run(bin, args, cwd, cleanEnv({ SOURCE_DATE_EPOCH })), git });
  });

  it('service options, a shared overlay with a manifest and a patch, and an add-on chart work from an adopter\'s repository; a broken patch is located', () => {
    const { work, project, bin } = setup();
    extensionsFlow({ work, installedNodeModules: join(project, 'node_modules'), slipway: (cwd, args) => run(bin, args, cwd, cleanEnv({ SOURCE_DATE_EPOCH })) });
  });

  it('secrets sync creates every environment\'s SOPS file from public keys alone', () => {
    const result = synced();
    expect(result.status, result.stderr).toBe(0);
    for (const { name } of freshTargets) expect(existsSync(join(setup().source, 'secrets', `${name}.sops.yaml`)), name).toBe(true);
  });

  it('validate --format json passes with no error', () => {
    expect(synced().status).toBe(0);
    const result = slipway('validate', '--root', setup().source, '--format', 'json');
    expect(result.status, result.stderr + result.stdout).toBe(0);
    const errors = parseJsonLines(result.stdout).filter((finding) => finding.severity === 'error');
    expect(errors).toEqual([]);
    // The installed CLI keeps its compiled code in the user's cache folder, and runs the same from it.
    const cacheHome = join(setup().work, 'xdg-cache');
    const withCache = () => run(setup().bin, ['validate', '--root', setup().source, '--format', 'json'], setup().project, cleanEnv({ SOURCE_DATE_EPOCH, XDG_CACHE_HOME: cacheHome }));
    const first = withCache();
    expect(readdirSync(join(cacheHome, 'slipway', 'code')).filter((name) => name.endsWith('-validate.cache'))).toHaveLength(1);
    const second = withCache();
    expect([first.status, second.status]).toEqual([0, 0]);
    expect(second.stdout).toBe(result.stdout);
    expect(first.stdout).toBe(result.stdout);
  });

  it('build writes a signed output tree that verify accepts under the source tree\'s keys/', () => {
    const result = built();
    expect(result.status, result.stderr).toBe(0);
    const { out, source } = setup();
    for (const { name } of freshTargets) expect(existsSync(join(out, 'environments', name, 'release.json')), name).toBe(true);
    const verified = slipway('verify', out, '--keys', join(source, 'keys'));
    expect(verified.status, verified.stderr + verified.stdout).toBe(0);
    const lines = verified.stdout.trim().split('\n').sort();
    expect(lines).toEqual(freshTargets.map(({ name }) => `ok ${name} 3.4.0 signed by ${setup().keyId}`).sort());
  });

  it('shares built into separate folders merge into the full build, byte for byte', () => {
    expect(built().status, 'build').toBe(0);
    const { source, out, keys, work } = setup();
    const signingKey = join(keys, 'slipway-signing.key.pem');
    const shares = ['1/2', '2/2'].map((shard, index) => {
      const share = join(work, `share-${index + 1}`);
      const result = slipway('build', '--root', source, '--out', share, '--signing-key', signingKey, '--shard', shard);
      expect(result.status, result.stderr).toBe(0);
      return share;
    });
    const merged = join(work, 'merged');
    const result = slipway('merge', ...shares, '--root', source, '--out', merged, '--signing-key', signingKey);
    expect(result.status, result.stderr).toBe(0);
    expect(readTree(merged)).toEqual(readTree(out));
  });

  it('builds the same tree on worker threads, which run the installed bundle from its code cache', () => {
    expect(built().status, 'build').toBe(0);
    const { source, out, keys, work, bin, project } = setup();
    expect(freshTargets.length).toBeGreaterThan(1);
    const cacheHome = join(work, 'xdg-cache-workers');
    // Loaded before the CLI: says which bundle each worker thread was started on.
    const hook = join(work, 'worker-entries.mjs');
    writeFileSync(
      hook,
      `import workerThreads from 'node:worker_threads';\nimport { syncBuiltinESMExports } from 'node:module';\nif (workerThreads.isMainThread) {\n  workerThreads.Worker = class extends workerThreads.Worker {\n    constructor(...args) {\n      super(...args);\n      process.stderr.write(\`worker bundle: \${args[1]?.workerData?.bundle?.file}\\n\`);\n    }\n  };\n  syncBuiltinESMExports();\n}\n`,
    );
    // The first run compiles the bundle and writes its cache; the second starts its workers from it.
    for (const attempt of ['first', 'second']) {
      const threaded = join(work, `threaded-${attempt}`);
      const env = cleanEnv({ SOURCE_DATE_EPOCH, SLIPWAY_WORKERS: '2', XDG_CACHE_HOME: cacheHome, NODE_OPTIONS: `--import=${pathToFileURL(hook).href}` });
      const result = run(bin, ['build', '--root', source, '--out', threaded, '--signing-key', join(keys, 'slipway-signing.key.pem')], project, env);
      expect(result.status, `${attempt}: ${result.stderr}`).toBe(0);
      const bundles = [...result.stderr.matchAll(/^worker bundle: (.*)$/gm)].map((match) => realpathSync(match[1]!));
      expect(bundles, attempt).toEqual([realpathSync(join(project, 'node_modules', 'slipway', 'dist', 'bundle', 'main.cjs'))]);
      expect(readTree(threaded), attempt).toEqual(readTree(out));
    }
    expect(readdirSync(join(cacheHome, 'slipway', 'code')).filter((name) => name.endsWith('-build.cache'))).toHaveLength(1);
  });

  it('plan eks lists shop\'s connection variables with where they come from, never a secret value', async () => {
    expect(synced().status).toBe(0);
    const result = slipway('plan', 'eks', '--root', setup().source);
    expect(result.status, result.stderr).toBe(0);
    // One line per variable and source: `    NAME (service, …): where it comes from`.
    const shopLines = result.stdout.split('\n').filter((line) => /^\s+[A-Z_]+ \(([a-z0-9-]+, )*shop(, [a-z0-9-]+)*\): /.test(line));
    const line = (variable: string) => shopLines.filter((entry) => entry.trimStart().startsWith(`${variable} (`));
    expect(line('DB_HOST'), result.stdout).toHaveLength(1);
    expect(line('DB_HOST')[0]).toMatch(/AWS Secrets Manager eks\/orders\/connection, materialised by the ExternalSecret orders-connection$/);
    expect(line('DB_PASSWORD')[0]).toMatch(/the generated secret DB_PASSWORD \(secrets\/secrets\.sops\.yaml\)$/);
    expect(line('DATABASE_URL')[0], result.stdout).toMatch(/Terraform's url of orders, in AWS Secrets Manager eks\/orders\/connection, materialised by the ExternalSecret orders-connection$/);
    expect(line('AWS_ACCESS_KEY_ID')[0], result.stdout).toMatch(/set empty: the service account's own role reaches media \(EKS Pod Identity\)/);
    for (const variable of ['DB_PORT', 'DB_DATABASE', 'DB_USERNAME', 'DB_PASSWORD', 'DATABASE_URL', 'REDIS_HOST', 'REDIS_PASSWORD', 'REDIS_URL', 'AWS_BUCKET', 'AWS_SECRET_ACCESS_KEY']) {
      expect(line(variable), `${variable} in\n${result.stdout}`).toHaveLength(1);
    }
    await expectNoPlaintext('plan eks', result.stdout + result.stderr);
  });

  it('publish commits the output to a bare repository, keeps its own files, and a second publish is no change', () => {
    const first = firstPublish();
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout.trim()).toMatch(/^[0-9a-f]{40}$/);
    expect(commitCount()).toBe(2);
    // Signed with the commit key the installed keygen made (openpgp.js as the package ships it).
    expect(git(['--git-dir', setup().deploy, 'cat-file', 'commit', 'HEAD'], setup().work)).toMatch(/^gpgsig -----BEGIN PGP SIGNATURE-----$/m);
    if (gpgPresent) {
      const keyring = keyringWith([readFileSync(join(setup().keys, 'slipway-commit.pub.asc'), 'utf8')]);
      try {
        expect(validSignatureBy(keyring.verifyCommit(setup().deploy, 'HEAD'))).toMatch(/^[0-9A-F]{40}$/);
      } finally {
        keyring.remove();
      }
    }
    const secretKey = readFileSync(join(setup().keys, 'slipway-commit.key.asc'), 'utf8').split('\n').filter((line) => line.length > 40);
    for (const { command, text } of printed) for (const line of secretKey) expect(text.includes(line), `${command} printed the commit key`).toBe(false);

    const files = clonedFiles('first');
    expect(files.get('CODEOWNERS')?.toString()).toBe(CODEOWNERS);
    const managed = new Map([...files].filter(([path]) => !SLIPWAY_IGNORES.includes(path)));
    const output = readTree(setup().out);
    expect([...managed.keys()]).toEqual([...output.keys()]);
    for (const [path, bytes] of output) expect(managed.get(path)?.equals(bytes), path).toBe(true);
    // The deploy repository's checkout verifies as a whole; the owners' files are listed, not checked.
    const verified = slipway('verify', join(setup().work, 'clone-first'), '--keys', join(setup().source, 'keys'));
    expect(verified.status, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/^unmanaged CODEOWNERS /m);

    const again = slipway('publish', '--out', setup().out, '--to', setup().deploy, '--keys', join(setup().source, 'keys'));
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/nothing to publish/);
    expect(commitCount()).toBe(2);
  });

  it('the installed output has the known answers for eks and onprem', () => {
    expect(built().status).toBe(0);
    const { out } = setup();
    const text = (path: string) => readFileSync(join(out, path), 'utf8');

    // eks: shop's DB host comes from the ExternalSecret-made Secret orders-connection, key host.
    const values = text('environments/eks/helm/shop.values.yaml');
    const shopValues = parse(values) as { env?: Record<string, string> | Array<{ name: string }>; secretEnv?: Array<{ name: string; secretName: string; key: string }> };
    expect(shopValues.secretEnv?.filter((entry) => entry.name === 'DB_HOST'), values).toEqual([{ name: 'DB_HOST', secretName: 'orders-connection', key: 'host' }]);
    expect(JSON.stringify(shopValues.env ?? {}), 'DB_HOST is not a plain value').not.toContain('DB_HOST');
    const externalSecrets = readdirSync(join(out, 'environments', 'eks', 'k8s'))
      .filter((name) => name.endsWith('.yaml'))
      .flatMap((name) => text(`environments/eks/k8s/${name}`).split(/^---$/m).map((document) => parse(document) as Record<string, any> | null))
      .filter((object) => object?.kind === 'ExternalSecret');
    expect(externalSecrets.map((object) => object!.metadata?.name)).toContain('orders-connection');
    const orders = externalSecrets.find((object) => object!.metadata?.name === 'orders-connection')!;
    expect(orders.spec?.target?.name).toBe('orders-connection');
    expect(orders.spec?.data).toContainEqual({ secretKey: 'host', remoteRef: { key: 'eks/orders/connection', property: 'host' } });
    expect(orders.spec?.data).toContainEqual({ secretKey: 'url', remoteRef: { key: 'eks/orders/connection', property: 'url' } });
    expect(shopValues.secretEnv?.filter((entry) => entry.name === 'DATABASE_URL'), values).toEqual([{ name: 'DATABASE_URL', secretName: 'orders-connection', key: 'url' }]);
    const kustomization = parse(text('environments/eks/k8s/kustomization.yaml')) as { resources: string[] };
    expect(kustomization.resources).toContain('externalsecret-orders-connection.yaml');

    // onprem: Compose gives shop the embedded store's service name as DB_HOST.
    const compose = parse(text('environments/onprem/compose/docker-compose.yml')) as { services: Record<string, { environment?: Record<string, string> | string[] }> };
    const shopEnv = environmentOf(compose.services.shop?.environment);
    expect(shopEnv.DB_HOST, JSON.stringify(compose.services.shop)).toBe('orders');
    // ... and its URL form through install.sh, the password between the parts bundle.json gives.
    const zipName = readdirSync(join(out, 'environments', 'onprem', 'bundle')).find((name) => name.endsWith('.zip'))!;
    const zip = unzipSync(readFileSync(join(out, 'environments', 'onprem', 'bundle', zipName)));
    const bundle = JSON.parse(Buffer.from(zip['bundle.json']!).toString('utf8')) as { runtime: { envFiles: Record<string, Array<{ name: string; from: string; url?: unknown }>> } };
    expect(bundle.runtime.envFiles.shop?.find((entry) => entry.name === 'DATABASE_URL')).toEqual({ name: 'DATABASE_URL', from: 'DB_PASSWORD', url: { before: 'postgresql://orders:', after: '@orders:5432/orders' } });
    expect(Object.keys(compose.services)).toContain('orders');
  });

  it('no plaintext of a generated secret appears in any output file', async () => {
    expect(built().status).toBe(0);
    const output = readTree(setup().out);
    expect(output.size).toBeGreaterThan(0);
    const secrets = await plaintextSecrets();
    expect(secrets.length).toBeGreaterThanOrEqual(freshTargets.length * 3);
    const leaks: string[] = [];
    const scan = (path: string, bytes: Uint8Array) => {
      const content = Buffer.from(bytes).toString('latin1');
      for (const { environment, name, value } of secrets) if (content.includes(value)) leaks.push(`${path}: ${environment} ${name}`);
    };
    let entries = 0;
    for (const [path, bytes] of output) {
      scan(path, bytes);
      // Self-hosted bundles are zip archives: their entries are deflated, so look inside too.
      if (path.endsWith('.zip')) {
        for (const [entry, inner] of Object.entries(unzipSync(bytes))) {
          scan(`${path}!${entry}`, inner);
          entries += 1;
        }
      }
    }
    expect(entries, 'the onprem bundle was opened').toBeGreaterThan(0);
    // Nor in anything a command printed so far (sync prints names, never values).
    for (const { command, text } of printed) for (const { environment, name, value } of secrets) if (text.includes(value)) leaks.push(`${command} output: ${environment} ${name}`);
    expect(leaks).toEqual([]);
  });

  it('validate reports two postgres resources without a prefix as connection-name-clash at the declaration', () => {
    expect(synced().status).toBe(0);
    const { work, source, project } = setup();
    const broken = join(work, 'broken');
    cpSync(source, broken, { recursive: true });
    const servicePath = join(broken, 'services', 'shop', 'service.json');
    const service = JSON.parse(readFileSync(servicePath, 'utf8'));
    service.dependencies.resources.push({ name: 'reports', type: 'postgres', version: '16' });
    const serviceText = `${JSON.stringify(service, null, 2)}\n`;
    writeFileSync(servicePath, serviceText);
    const lines = serviceText.split('\n');
    const lineIndex = lines.findIndex((line) => line.includes('"name": "reports"'));
    const column = lines[lineIndex]!.indexOf('"reports"') + 1;

    const result = slipway('validate', '--root', broken, '--format', 'text');
    expect(result.status, result.stderr).toBe(1);
    const shown = relative(project, servicePath).split('\\').join('/');
    const clash = result.stderr.split('\n').filter((line) => line.includes('connection-name-clash'));
    expect(clash.length, result.stderr).toBeGreaterThan(0);
    for (const line of clash) expect(line.startsWith(`${shown}:${lineIndex + 1}:${column}: error connection-name-clash: `), line).toBe(true);
    expect(clash[0]).toMatch(/"shop" would receive (DB_[A-Z]+|DATABASE_URL) from both "orders" and "reports"/);
  });
});

function environmentOf(environment: Record<string, string> | string[] | undefined): Record<string, string> {
  if (!environment) return {};
  if (!Array.isArray(environment)) return environment;
  return Object.fromEntries(environment.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
}

let plaintext: Promise<Array<{ environment: string; name: string; value: string }>> | undefined;
/** Every generated value, decrypted from the source tree's secrets/<env>.sops.yaml with the test's identity. */
function plaintextSecrets(): Promise<Array<{ environment: string; name: string; value: string }>> {
  plaintext ??= (async () => {
    const { source, identity } = setup();
    const all: Array<{ environment: string; name: string; value: string }> = [];
    for (const { name: environment } of freshTargets) {
      const values = await decryptSopsYaml(readFileSync(join(source, 'secrets', `${environment}.sops.yaml`), 'utf8'), [identity]);
      for (const [name, value] of Object.entries(values)) all.push({ environment, name, value: String(value) });
    }
    return all;
  })();
  return plaintext;
}

async function expectNoPlaintext(where: string, text: string): Promise<void> {
  const secrets = await plaintextSecrets();
  expect(secrets.length).toBeGreaterThan(0);
  expect(secrets.filter(({ value }) => text.includes(value)).map(({ environment, name }) => `${where}: ${environment} ${name}`)).toEqual([]);
}
