import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { identityToRecipient } from 'age-encryption';
import { ExitCode, UsageError, UserError, type ExitCodeValue } from '../../core/errors.js';
import { schemasDir } from '../../core/paths.js';
import { shellLine } from '../../core/templates.js';
import { parseUserId } from '../../core/signing/openpgp.js';
import { AGE_IDENTITY_FILE, DEFAULT_COMMIT_USER_ID, SIGNING_KEY_FILE, SIGNING_PUBLIC_KEY_FILE, writeCommitKeyPair, writeKeyPair } from '../../sign/index.js';
import { buildTime } from '../clock.js';
import { PLACEHOLDER_ACTION_REPOSITORY, packageInfo } from '../init/package-info.js';
import { PRIVATE_KEYS_DIR, RELEASE_PUBLIC_KEY, SCAFFOLD_RUNTIMES, scaffoldFiles, type ScaffoldRuntime } from '../init/scaffold.js';
import { MAX_SHARDS } from '../init/workflows.js';
import type { CliIo } from '../io.js';

export interface InitCommandOptions {
  runtime?: string;
  deployRepo?: string;
  action?: string;
  force?: boolean;
  /** commander's `--no-keys`: false when given. */
  keys?: boolean;
  /** `--shards N`: a publish workflow that builds in N shares on N runners and merges them. */
  shards?: string;
}

export const DEFAULT_RUNTIMES: readonly ScaffoldRuntime[] = ['compose', 'kubernetes'];

/**
 * `slipway init [DIR]`: a source tree that validates as written — one service, one environment per
 * runtime, the four policies, slipway.yaml, a release, the two workflows — plus the keys to sign
 * and encrypt with (private halves in the git-ignored `.slipway/keys/`). It never overwrites a file.
 */
export async function runInit(dirArgument: string | undefined, options: InitCommandOptions, io: CliIo): Promise<ExitCodeValue> {
  const runtimes = parseRuntimes(options.runtime);
  const shards = parseShards(options.shards);
  if (options.deployRepo !== undefined) checkDeployRepo(options.deployRepo);
  const info = packageInfo();
  const action = options.action ?? `${info.actionRepository}@v${info.version}`;
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}(\/[A-Za-z0-9._/-]+)?@[A-Za-z0-9._/-]+$/.test(action)) {
    throw new UsageError(`--action ${JSON.stringify(action)} is not OWNER/REPO@REF; give it like "my-org/slipway@v${info.version}"`);
  }

  const dir = resolve(io.cwd, dirArgument ?? '.');
  const existing = existingEntries(dir);
  if (existing.length > 0 && options.force !== true) {
    throw new UserError(`init-not-empty: ${dir} is not empty (${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ', …' : ''}); choose an empty folder, or pass --force to add the missing files and keep every existing one`);
  }

  const keys = options.keys === false ? undefined : await projectKeys(join(dir, PRIVATE_KEYS_DIR), io);
  const files = scaffoldFiles({ runtimes, deployRepo: options.deployRepo, action, keys: keys && { publicKeyPem: keys.publicKeyPem, ageRecipient: keys.ageRecipient }, ...(shards ? { shards } : {}) });

  const written: string[] = [];
  const kept: string[] = [];
  for (const [path, bytes] of files) {
    const target = join(dir, ...path.split('/'));
    mkdirSync(dirname(target), { recursive: true });
    try {
      // 'wx': an existing file is never replaced, even one that appeared since the check above.
      writeFileSync(target, bytes, { flag: 'wx' });
      written.push(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new UserError(`cannot write ${target}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      kept.push(path);
    }
  }

  io.stderr(`created ${written.length} files in ${dir}${kept.length > 0 ? `; kept ${kept.length} existing: ${kept.join(', ')}` : ''}\n`);
  if (kept.includes('.gitignore')) io.stderr('add .slipway/ and output/ to your .gitignore: .slipway/keys/ holds private keys\n');
  if (keys?.made) io.stderr(`made the release, commit and age keys in ${join(dir, PRIVATE_KEYS_DIR)} (git-ignored; keys/README.md says which CI secret each becomes)\n`);
  if (action.startsWith(`${PLACEHOLDER_ACTION_REPOSITORY}@`)) {
    io.stderr(`the workflows call ${action}: replace OWNER with the GitHub owner of the Slipway action you use (or run init with --action OWNER/REPO@REF)\n`);
  }
  const fromCwd = relative(io.cwd, dir);
  io.stdout(nextSteps(fromCwd.startsWith('..') || isAbsolute(fromCwd) ? dir : fromCwd, options.keys !== false));
  return ExitCode.ok;
}

function parseRuntimes(value: string | undefined): ScaffoldRuntime[] {
  if (value === undefined) return [...DEFAULT_RUNTIMES];
  const names = value.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = names.filter((name) => !(SCAFFOLD_RUNTIMES as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new UsageError(`--runtime ${JSON.stringify(value)}: expected a comma-separated list of ${SCAFFOLD_RUNTIMES.join(', ')}`);
  }
  return [...new Set(names as ScaffoldRuntime[])];
}

function parseShards(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const count = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!(count >= 2 && count <= MAX_SHARDS)) throw new UsageError(`--shards ${JSON.stringify(value)}: give the number of runners to build on, from 2 to ${MAX_SHARDS}`);
  return count;
}

/** The pattern of slipway.yaml's own schema, so a value init accepts is one validate accepts. */
function checkDeployRepo(value: string): void {
  const schema = JSON.parse(readFileSync(join(schemasDir(), 'slipway.schema.json'), 'utf8')) as { properties: { deployRepo: { pattern: string } } };
  if (!new RegExp(schema.properties.deployRepo.pattern).test(value)) {
    throw new UsageError(`--deploy-repo ${JSON.stringify(value)} is not a git URL or github:OWNER/REPO; give it like "github:my-org/deploy" or "https://git.example.com/deploy.git"`);
  }
}

/**
 * What a repository holds before Slipway arrives: git, and the npm project `npm i -D slipway` made
 * (the schemas' modelines point into its node_modules). None of these is a file init writes.
 */
const REPOSITORY_FURNITURE = new Set(['.git', 'node_modules', 'package.json', 'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'README.md', 'LICENSE']);

function existingEntries(dir: string): string[] {
  if (!existsSync(dir)) return [];
  if (!statSync(dir).isDirectory()) throw new UserError(`init-not-a-folder: ${dir} is a file; give init a folder`);
  return readdirSync(dir).filter((name) => !REPOSITORY_FURNITURE.has(name)).sort();
}

interface ProjectKeys {
  publicKeyPem: string;
  ageRecipient: string;
  made: boolean;
}

/** Makes the keys, or reuses a set an earlier `init --force` or `keygen` left there. */
async function projectKeys(keysDir: string, io: CliIo): Promise<ProjectKeys> {
  const publicKeyFile = join(keysDir, SIGNING_PUBLIC_KEY_FILE);
  const identityFile = join(keysDir, AGE_IDENTITY_FILE);
  if (existsSync(publicKeyFile) && existsSync(identityFile) && existsSync(join(keysDir, SIGNING_KEY_FILE))) {
    const identity = readFileSync(identityFile, 'utf8').split('\n').find((line) => line.startsWith('AGE-SECRET-KEY-'));
    if (!identity) throw new UserError(`${identityFile} holds no AGE-SECRET-KEY line; move the folder ${keysDir} away and run init again`);
    return { publicKeyPem: readFileSync(publicKeyFile, 'utf8'), ageRecipient: await identityToRecipient(identity.trim()), made: false };
  }
  const release = await writeKeyPair(keysDir);
  await writeCommitKeyPair(keysDir, parseUserId(DEFAULT_COMMIT_USER_ID), buildTime(io.env));
  return { publicKeyPem: readFileSync(publicKeyFile, 'utf8'), ageRecipient: release.ageRecipient, made: true };
}

/** What to run next, from the folder the user is in. */
function nextSteps(dirFromCwd: string, withKeys: boolean): string {
  const inDir = dirFromCwd === '' ? [] : [`cd ${shellLine([dirFromCwd])}`];
  const signingKey = `${PRIVATE_KEYS_DIR}/${SIGNING_KEY_FILE}`;
  const steps = withKeys
    ? ['npx slipway secrets sync', `npx slipway build --signing-key ${signingKey}`, 'npx slipway verify output']
    : [
        `npx slipway keygen --out ${PRIVATE_KEYS_DIR}   # then copy slipway-signing.pub.pem to ${RELEASE_PUBLIC_KEY} and the age recipient into policies/secrets-policy.yaml`,
        'npx slipway secrets sync',
        `npx slipway build --signing-key ${signingKey}`,
      ];
  return `Next:\n${[...inDir, ...steps].map((line) => `  ${line}\n`).join('')}`;
}
