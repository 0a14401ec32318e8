// Fleet benchmark: the real CLI on one synthetic tree, measured in one run — cold signed build and
// incremental rebuild after one environment changed (each the median of five), `build --env`, two
// shards in parallel into one folder, one shard alone (what one of two CI runners does), validate, diff, verify, validate and diff again from their
// cache after one more environment changed (as a pull request runs them), publish to a bare deploy
// repository, the cached diff against that repository, and a fleet-wide change built against it and
// published — beside the I/O floor of the
// output (copy + sha256 of every file), per-folder `kubectl kustomize` of the Kubernetes folders (a
// sample, scaled up), and the build's peak RSS; then the ratios the fleet goals are stated in.
// Usage: npm run bench:fleet [-- ENVIRONMENTS [KUSTOMIZE_SAMPLE [TREE]]]   (default 1000, 100 and
// synthetic). TREE is `synthetic` (a dozen services of one shape, saas on Kubernetes and self-hosted
// on bare metal) or `example` (the bundled example's sixteen targets, every output kind, cycled).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syncSecrets } from '../dist/src/secrets/sync.js';
import { validateSourceTree } from '../dist/src/compile.js';
import { writeExampleFleet, writeSyntheticFleet } from './tree.js';

const environmentCount = Number(process.argv[2] ?? 1000);
const kustomizeSample = Number(process.argv[3] ?? 100);
const treeKind = process.argv[4] ?? 'synthetic';
if (!['synthetic', 'example'].includes(treeKind)) throw new Error(`TREE is synthetic or example, not ${treeKind}`);
const cli = fileURLToPath(new URL('../bin/slipway.js', import.meta.url));
const epoch = '1795132800';
const now = new Date(Number(epoch) * 1000);

/** Runs a command, returns wall seconds and peak RSS (MiB) as GNU time reports them, or fails loudly. */
function timed(label, command, args, options = {}) {
  const haveTime = existsSync('/usr/bin/time');
  const started = process.hrtime.bigint();
  const run = haveTime
    ? spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], { encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, SOURCE_DATE_EPOCH: epoch, NO_COLOR: '1' }, ...options })
    : spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, SOURCE_DATE_EPOCH: epoch, NO_COLOR: '1' }, ...options });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0 && !(options.allowed ?? []).includes(run.status)) {
    throw new Error(`${label}: exit ${run.status}\n${(run.stderr ?? '').slice(-2000)}`);
  }
  const rssKiB = haveTime ? Number((run.stderr ?? '').trim().split('\n').at(-1)) : NaN;
  return { seconds, rssMiB: rssKiB / 1024 };
}

const slipway = (label, args, options) => timed(label, process.execPath, [cli, ...args], options);

const tree = treeKind === 'example' ? writeExampleFleet(environmentCount, fileURLToPath(new URL('..', import.meta.url))) : await writeSyntheticFleet(environmentCount);
const { root } = tree;
const models = validateSourceTree({ root, now }).targets.flatMap((target) => (target.model ? [target.model] : []));
await syncSecrets(models, { root, identities: [], now });
const keys = join(root, '.keys');
slipway('keygen', ['keygen', '--out', keys]);
cpSync(join(keys, 'slipway-signing.pub.pem'), join(root, 'keys', 'bench.pub.pem'));
// A tree whose clusters verify deploy commits (the example) trusts the benchmark's commit key instead, so publish can sign.
const verifiesCommits = readdirSync(join(root, 'keys')).filter((name) => name.endsWith('.pub.asc'));
for (const name of verifiesCommits) rmSync(join(root, 'keys', name));
if (verifiesCommits.length > 0) cpSync(join(keys, 'slipway-commit.pub.asc'), join(root, 'keys', 'bench-commit.pub.asc'));
const commitSigning = verifiesCommits.length > 0 ? ['--commit-signing-key', join(keys, 'slipway-commit.key.asc')] : [];
const out = join(root, '.out');
const build = ['build', '--root', root, '--out', out, '--signing-key', join(keys, 'slipway-signing.key.pem')];

const results = {};
// The cold and the incremental build, on which the ratios rest, run `rounds` times each and count
// by their median: on a shared virtual machine one run can be half again as long as the next.
const median = (runs) => {
  const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
  // The time of the middle run; the memory of the hungriest.
  return { seconds: sorted[Math.floor(sorted.length / 2)].seconds, rssMiB: Math.max(...runs.map((run) => run.rssMiB)), range: [sorted[0].seconds, sorted.at(-1).seconds] };
};
// Each cold build is followed by its incremental rebuild (one environment file changed, the plain
// rebuild into the same --out, no extra flags, a new change each time) and by a part of the
// per-folder kustomize sample, so that the figures each ratio compares come from the same stretches
// of the machine's time: its speed drifts from one minute to the next.
const colds = [];
const incrementals = [];
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0 ? 'kubectl' : undefined;
const kubernetesFoldersOf = () => readdirSync(join(out, 'environments')).filter((name) => existsSync(join(out, 'environments', name, 'k8s', 'kustomization.yaml')));
const kustomized = [];
// Five rounds (BENCH_ROUNDS): the median of three still moved with a single slow stretch.
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`BENCH_ROUNDS is a number of rounds, 1 or more, not ${JSON.stringify(process.env.BENCH_ROUNDS)}`);
for (let round = 1; round <= rounds; round++) {
  // Nothing of the previous run left: no output, no build record beside it.
  rmSync(out, { recursive: true, force: true });
  rmSync(join(root, `.${basename(out)}.build-record.json`), { force: true });
  colds.push(slipway('cold build', build));
  tree.changeOneEnvironment(round);
  incrementals.push(slipway('incremental build', build));
  // Per-folder kustomize, as a reconciler renders each environment: a sample, scaled to all folders.
  const sample = kubernetesFoldersOf().slice(0, kustomizeSample);
  if (kubectl) {
    for (const name of sample.filter((_, index) => index % rounds === round - 1)) kustomized.push(timed(`kustomize ${name}`, kubectl, ['kustomize', join(out, 'environments', name, 'k8s')]).seconds);
  }
}
results.cold = median(colds);
results.incremental = median(incrementals);
const kubernetesFolders = kubernetesFoldersOf();
const kustomizeSeconds = kustomized.length > 0 ? (kustomized.reduce((sum, seconds) => sum + seconds, 0) / kustomized.length) * kubernetesFolders.length : NaN;
results['build --env (one environment)'] = slipway('build --env', [...build, '--env', tree.otherEnvironment]);
// Two shards at the same time into one empty folder, as two runners' shares would be merged.
const shardOut = join(root, '.out-shards');
const shardStarted = process.hrtime.bigint();
const shardRuns = await Promise.all(
  ['1/2', '2/2'].map(
    (shard) =>
      new Promise((done, fail) => {
        const child = spawn(process.execPath, [cli, 'build', '--root', root, '--out', shardOut, '--signing-key', join(keys, 'slipway-signing.key.pem'), '--shard', shard], { env: { ...process.env, SOURCE_DATE_EPOCH: epoch, NO_COLOR: '1' }, stdio: 'ignore' });
        child.on('error', fail);
        child.on('exit', (code) => done(code));
      }),
  ),
);
if (shardRuns.some((code) => code !== 0)) throw new Error(`shard builds: exit ${shardRuns.join(', ')}`);
const shardSeconds = Number(process.hrtime.bigint() - shardStarted) / 1e9;
// What one of two CI runners does: one share, alone on its machine's cores (the two above shared them).
const oneShardOut = join(root, '.out-one-shard');
results['build --shard 1/2 (one runner of two)'] = slipway('one shard', ['build', '--root', root, '--out', oneShardOut, '--signing-key', join(keys, 'slipway-signing.key.pem'), '--shard', '1/2']);
rmSync(oneShardOut, { recursive: true, force: true });
results.validate = slipway('validate', ['validate', '--root', root, '--format', 'json'], { allowed: [0, 1] });
results.diff = slipway('diff', ['diff', '--root', root, '--against', out, '--format', 'json'], { allowed: [0, 1] });
results.verify = slipway('verify', ['verify', out, '--keys', join(root, 'keys')]);
// A pull request's validate and diff, run again from their cache after one more environment changed.
const cache = join(root, '.cache');
slipway('validate --cache (fills it)', ['validate', '--root', root, '--format', 'json', '--cache', cache], { allowed: [0, 1] });
slipway('diff --cache (fills it)', ['diff', '--root', root, '--against', out, '--format', 'json', '--cache', cache], { allowed: [0, 1] });
tree.changeAnotherEnvironment();
results['validate --cache (one environment changed)'] = slipway('validate --cache', ['validate', '--root', root, '--format', 'json', '--cache', cache], { allowed: [0, 1] });
results['diff --cache (one environment changed)'] = slipway('diff --cache', ['diff', '--root', root, '--against', out, '--format', 'json', '--cache', cache], { allowed: [0, 1] });
// The deploy repository: the first publish commits every file; then a change to a service every
// environment uses is built against it (--previous) and published, as CI does on a merge.
const deployRepo = join(root, '.deploy.git');
spawnSync('git', ['init', '--quiet', '--bare', deployRepo]);
results['publish (first: every file)'] = slipway('publish', ['publish', '--out', out, '--to', deployRepo, ...commitSigning], { cwd: root });
// The same pull request's diff against the deploy repository itself, as CI runs it: read from git's
// objects, no checkout; the run that fills the cache with the folders' fingerprints, then a re-run.
slipway('diff --cache against the repository (fills it)', ['diff', '--root', root, '--against', deployRepo, '--format', 'json', '--cache', cache], { allowed: [0, 1] });
results['diff --cache, repository (one changed)'] = slipway('diff --cache against the repository', ['diff', '--root', root, '--against', deployRepo, '--format', 'json', '--cache', cache], { allowed: [0, 1] });
tree.changeSharedService();
const changedOut = join(root, '.out-changed');
results['build --previous (every environment changed)'] = slipway('build --previous', ['build', '--root', root, '--out', changedOut, '--signing-key', join(keys, 'slipway-signing.key.pem'), '--previous', deployRepo]);
results['publish (every environment changed)'] = slipway('publish', ['publish', '--out', changedOut, '--to', deployRepo, ...commitSigning], { cwd: root });

// The I/O floor: what it costs just to copy the output and hash every byte of it.
const copy = join(tmpdir(), `slipway-bench-copy-${process.pid}`);
const floorStarted = process.hrtime.bigint();
cpSync(out, copy, { recursive: true });
const listing = spawnSync('sh', ['-c', 'find . -type f -print0 | xargs -0 sha256sum | wc -l'], { cwd: copy, encoding: 'utf8' });
const floorSeconds = Number(process.hrtime.bigint() - floorStarted) / 1e9;
const files = Number(listing.stdout.trim());
rmSync(copy, { recursive: true, force: true });

const line = (label, value) => console.log(`${label.padEnd(44)} ${value}`);
// Where the files were: on a disk, creating tens of thousands of them costs the file system's own work, which varies with its state.
const fileSystem = spawnSync('stat', ['-f', '-c', '%T', root], { encoding: 'utf8' }).stdout?.trim() || 'unknown file system';
console.log(`${tree.description}; ${files} output files in ${tmpdir()} (${fileSystem}); ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`);
for (const [name, result] of Object.entries(results)) {
  const spread = result.range ? ` (median of ${rounds}: ${result.range.map((seconds) => seconds.toFixed(2)).join('–')})` : '';
  line(name, `${result.seconds.toFixed(2)} s   peak RSS ${result.rssMiB.toFixed(0)} MiB${spread}`);
}
line('I/O floor (copy + sha256 of the output)', `${floorSeconds.toFixed(2)} s`);
line(`kubectl kustomize per folder (${kubernetesFolders.length}, from ${kustomized.length})`, Number.isNaN(kustomizeSeconds) ? 'kubectl not found' : `${kustomizeSeconds.toFixed(2)} s`);
line('cold / I/O floor', `${(results.cold.seconds / floorSeconds).toFixed(2)}×   (goal ≤ 3)`);
line('cold / per-folder kustomize', Number.isNaN(kustomizeSeconds) ? 'n/a' : `${(results.cold.seconds / kustomizeSeconds).toFixed(2)}   (goal ≤ 0.1)`);
line('two shards in parallel, one folder', `${shardSeconds.toFixed(2)} s`);
line('incremental / cold', `${(results.incremental.seconds / results.cold.seconds).toFixed(2)}   (goal ≤ 0.15)`);
// Two processes on the same two cores cannot beat one build that already uses both: the goal is per runner.
line('two shards at once on this machine / cold', `${(shardSeconds / results.cold.seconds).toFixed(2)}`);
line('one shard of two / cold (one runner of two)', `${(results['build --shard 1/2 (one runner of two)'].seconds / results.cold.seconds).toFixed(2)}   (goal ≤ 0.6)`);
line('peak RSS of the cold build', `${results.cold.rssMiB.toFixed(0)} MiB   (goal ≤ 1024 at 5,000 environments)`);
rmSync(root, { recursive: true, force: true });
