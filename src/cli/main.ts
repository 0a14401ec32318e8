import { Command, CommanderError, Option } from 'commander';
import { BugError, ExitCode, UserError } from '../core/errors.js';
import { processIo, type CliIo } from './io.js';
import type { RenderWorkerData } from '../render/serve.js';

/** Exit status for a bug in Slipway itself (EX_SOFTWARE), distinct from every user-facing status. */
const bugExitCode = 70;

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * The command table. Each command's module is imported only when that command runs: their
 * dependencies (OpenPGP, the GitHub client, age, the diff engine, every generator) cost more to load
 * than a small validate takes, and `--version` or `--help` needs none of them.
 */
function program(io: CliIo, setExit: (code: number) => void): Command {
  const cli = new Command('slipway')
    .description('Compile services and environments into a signed GitOps deploy repository.')
    .version(VERSION, '--version')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  cli
    .command('init')
    .description('scaffold a source tree that validates: a service, an environment per runtime, policies, a release, keys and two GitHub workflows')
    .argument('[dir]', 'the folder to create the tree in (must be empty unless --force)', '.')
    .option('--runtime <list>', 'comma-separated runtimes, one environment each: compose, ecs, kubernetes', 'compose,kubernetes')
    .option('--deploy-repo <git-url|github:owner/repo>', "slipway.yaml's deployRepo (left as a comment when not given)")
    .option('--action <owner/repo@ref>', 'the Slipway action the workflows call (default: this version of the published action)')
    .option('--no-keys', 'do not make keys; keys/README.md says how to add them')
    .option('--force', 'write into a non-empty folder: add the missing files, keep every existing one')
    .option('--shards <n>', 'write a publish workflow that builds the fleet in n shares on n runners (build --shard K/N), then merges, verifies and publishes once')
    .action(async (dir, options) => {
      const { runInit } = await import('./commands/init.js');
      setExit(await runInit(dir, options, io));
    });

  cli
    .command('schema')
    .description('print one JSON Schema (service, environment, release, slipway or settings, and the four policies)')
    .argument('<name>', 'the schema, e.g. environment')
    .action(async (name) => {
      const { runSchema } = await import('./commands/schema.js');
      setExit(runSchema(name, io));
    });

  cli
    .command('validate')
    .description('check services, environments, releases and policies; report every finding at its file, line and column')
    .option('--root <dir>', 'the source tree', '.')
    .option('--env <name>', 'only this environment (repeatable)', collect, [])
    .addOption(new Option('--format <format>', 'how findings are printed').choices(['text', 'json', 'github']))
    .option('--fail-on-blocked', 'exit 1 when a target is blocked by policy')
    .option('--cache <dir>', 'keep verdicts in this folder between runs: environments whose inputs did not change are not validated again (same findings)')
    .action(async (options) => {
      const { runValidate } = await import('./commands/validate.js');
      setExit(runValidate(options, io));
    });

  cli
    .command('build')
    .description('validate, then render every environment into the output tree')
    .option('--root <dir>', 'the source tree', '.')
    .option('--out <dir>', 'the output folder (default: <root>/output)')
    .addOption(new Option('--format <format>', 'how findings are printed').choices(['text', 'json', 'github']))
    .option('--fail-on-blocked', 'exit 1 when a target is blocked by policy')
    .option('--previous <dir|git-url[#ref]>', "the deploy repo's current state: manifests chain to it, blocked targets keep their folder")
    .option('--signing-key <file>', 'Ed25519 private key (PKCS#8 PEM); or set SLIPWAY_SIGNING_KEY')
    .option('--no-sign', 'write unsigned manifests (pull-request builds)')
    .option('--env <name>', 'render only this environment (repeatable); the others stay as they are in --out', collect, [])
    .option('--shard <k/n>', 'render only the k-th of n shares of the environments; shard builds into one --out add up to a full build')
    .option('--source-commit <sha>', 'the source commit recorded in manifests (default: GITHUB_SHA, or HEAD of a clean work tree)')
    .option('--progress', 'print environments done/total on stderr even when it is not a terminal (a terminal gets it for builds over a second)')
    .action(async (options) => {
      const { runBuild } = await import('./commands/build.js');
      setExit(runBuild(options, io));
    });

  cli
    .command('merge')
    .description('merge the outputs of shard builds (build --shard K/N, each into its own --out) into the tree of one full build')
    .argument('<shard-dirs...>', 'the --out folder of every shard build')
    .option('--root <dir>', 'the source tree the shards were built from', '.')
    .option('--out <dir>', 'the output folder (default: <root>/output)')
    .addOption(new Option('--format <format>', 'how findings are printed').choices(['text', 'json', 'github']))
    .option('--previous <dir|git-url[#ref]>', "the deploy repo's state the shards were built on: the root manifest chains to it, blocked targets keep their folder")
    .option('--signing-key <file>', 'Ed25519 private key (PKCS#8 PEM) the shards were signed with; or set SLIPWAY_SIGNING_KEY')
    .option('--no-sign', 'merge unsigned shards (pull-request builds)')
    .option('--keys <dir>', "folder of trusted *.pub.pem keys the shards' signatures must verify under (default: <root>/keys; the signing key is trusted too)")
    .action(async (dirs, options) => {
      const { runMerge } = await import('./commands/merge.js');
      setExit(await runMerge(dirs, options, io));
    });

  cli
    .command('diff')
    .description("build without signing and compare with the deploy repo: per-environment changes, file diffs (secret values hidden), risks")
    .option('--root <dir>', 'the source tree', '.')
    .requiredOption('--against <dir|git-url[#ref]>', "the deploy repo's current state")
    .addOption(new Option('--format <format>', 'text for terminals, markdown for a pull-request comment, json for machines').choices(['text', 'markdown', 'json']))
    .option('--fail-on <kinds>', 'exit 1 when a risk of these kinds is reported (comma-separated: data-loss, downtime, security, policy)')
    .option('--cache <dir>', 'keep verdicts and folder listings in this folder between runs: environments whose inputs did not change are taken from the deploy repo, not rendered again (same diff)')
    .action(async (options) => {
      const { runDiff } = await import('./commands/diff.js');
      setExit(runDiff(options, io));
    });

  cli
    .command('publish')
    .description('commit a built output tree to the deploy repo as one commit, compare-and-swap per environment')
    .option('--out <dir>', 'the built output folder', 'output')
    .option('--root <dir>', "the source tree whose slipway.yaml names the deploy repository and branch", '.')
    .option('--to <path|git-url|github:owner/repo>', "the deploy repository (default: slipway.yaml's deployRepo)")
    .option('--branch <name>', "the branch to publish to (default: slipway.yaml's branch for its deployRepo, else the repository's default branch)")
    .option('--pull-request', 'push a branch and open a pull request instead of updating the branch')
    .option('--keys <dir>', 'folder of trusted *.pub.pem keys the output must verify under', 'keys')
    .option('--revoked <keyid>', 'refuse signatures by this release key id even if the output does not revoke it (repeatable)', collect, [])
    .option('--signing-key <file>', 'the release key (or SLIPWAY_SIGNING_KEY), to sign the root manifest again when folders are kept from the repository')
    .option('--commit-signing-key <file>', 'armored OpenPGP secret key that signs the commit (slipway-commit.key.asc); or set SLIPWAY_COMMIT_SIGNING_KEY_FILE or SLIPWAY_COMMIT_SIGNING_KEY (the text)')
    .action(async (options) => {
      const { runPublish } = await import('./commands/publish.js');
      setExit(await runPublish(options, io));
    });

  cli
    .command('verify')
    .description("check each environment's signature against trusted keys, every file's hash, and that no file is unlisted")
    .argument('<dir>', 'an output tree or a deploy repository checkout')
    .option('--keys <dir>', 'folder of trusted *.pub.pem keys', 'keys')
    .option('--against <dir|git-url>', 'the deploy state last trusted: refuse a manifest older than it, or not chained to it, or signed by a key it revokes')
    .option('--revoked <keyid>', 'refuse signatures by this release key id even if the tree does not revoke it (repeatable)', collect, [])
    .action(async (dir, options) => {
      const { runVerify } = await import('./commands/verify.js');
      setExit(await runVerify(dir, options, io));
    });

  cli
    .command('plan')
    .description("print an environment's provisioning runbook: the ten steps and what runs for this target (exit 1 when it is blocked)")
    .argument('<env>', 'the environment')
    .option('--root <dir>', 'the source tree', '.')
    .addOption(new Option('--format <format>', 'text for terminals, json as plan.json, markdown as plan.md').choices(['text', 'json', 'markdown']))
    .action(async (environment, options) => {
      const { runPlan } = await import('./commands/plan.js');
      setExit(runPlan(environment, options, io));
    });

  cli
    .command('keygen')
    .description('make an Ed25519 release-signing key pair, an age identity for secrets and an OpenPGP key that signs deploy commits')
    .requiredOption('--out <dir>', 'folder to write the keys to (created; existing files are never overwritten)')
    .option('--keep-existing', 'do nothing, successfully, when the keys are already there (make only a missing set)')
    .option('--commit-user-id <"name <email>">', 'the user id of the commit-signing key; GitHub matches its email with the committer\'s (default: "Slipway deploy <slipway@users.noreply.github.com>")')
    .action(async (options) => {
      const { runKeygen } = await import('./commands/keygen.js');
      setExit(await runKeygen(options, io));
    });

  const secrets = cli.command('secrets').description('create, extend and rotate the SOPS/age-encrypted per-environment secrets in secrets/');
  secrets
    .command('sync')
    .description('create missing secrets files (public keys suffice) and add newly declared names (needs SOPS_AGE_KEY or SOPS_AGE_KEY_FILE)')
    .option('--root <dir>', 'the source tree', '.')
    .option('--env <name>', 'only this environment (repeatable)', collect, [])
    .action(async (options) => {
      const { runSecretsSync } = await import('./commands/secrets.js');
      setExit(await runSecretsSync(options, io));
    });
  secrets
    .command('rotate')
    .description('replace the values of the named generated secrets of ENV (all of them when none is named)')
    .argument('<env>', 'the environment')
    .argument('[names...]', 'secret names')
    .option('--root <dir>', 'the source tree', '.')
    .action(async (environment, names, options) => {
      const { runSecretsRotate } = await import('./commands/secrets.js');
      setExit(await runSecretsRotate(environment, names, options, io));
    });

  return cli;
}

const VERSION = '0.1.0';

/** Runs one command line and returns its exit status. Never throws. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let exitCode: number = ExitCode.ok;
  try {
    await program(io, (code) => (exitCode = code)).parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with status 0.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (error instanceof UserError) {
      io.stderr(`slipway: ${error.message}\n`);
      return error.exitCode;
    }
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    const kind = error instanceof BugError ? 'an internal check failed' : 'an unexpected error';
    io.stderr(`slipway: ${kind} — this is a bug in Slipway, please report it with the lines below\n${detail}\n`);
    return bugExitCode;
  }
}

/**
 * A render worker's entry when the CLI runs from its bundle: the pool starts its workers on this
 * same bundle, which they compile from the code cache the CLI itself uses (render/pool.ts).
 */
export async function serveRenderJobs(data: RenderWorkerData): Promise<void> {
  (await import('../render/serve.js')).serveRenderJobs(data);
}
