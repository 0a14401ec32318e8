import { compareText } from '../core/diagnostics.js';
import { sha256Hex } from '../core/digest.js';
import { IntegrityError, UserError } from '../core/errors.js';
import type { OutputFile } from '../core/output-file.js';
import { bytesEqual } from '../core/signing/pem.js';
import type { TreeProblem } from '../deploy-repo/environment-check.js';
import type { PreviousTree } from '../deploy-repo/index.js';
import type { Target } from '../model/index.js';
import { heldChartPins } from '../sign/chart-pin.js';
import { MANIFEST_FILE, SIGNATURE_FILE, parseManifest, type ReleaseManifest } from '../sign/manifest.js';
import { keptRelease } from '../sign/release-files.js';
import { shardProblems, type ShardOutput, type ShardSignatures } from './shard.js';
import { consistencyProblems, signednessProblems, type MergeProblem, type MergeSigning } from './consistency.js';

export { readShard, type ShardOutput, type ShardSignatures } from './shard.js';
export type { MergeProblem, MergeSigning } from './consistency.js';

export interface MergeOptions {
  shards: readonly ShardOutput[];
  /** Every environment of the source tree with its verdict, from the same validation a build runs. */
  targets: readonly Target[];
  /** The deploy state the shards were built on (`--previous`): blocked targets keep their folder from it. */
  previous?: PreviousTree;
  signing: MergeSigning;
  /** The root files for the merged environments' manifest digests, as a full build makes them. */
  projectFiles: (manifestDigests: ReadonlyMap<string, string>) => OutputFile[];
}

export interface MergedTree {
  /** The whole output tree, sorted by path: what one full build writes. */
  files: OutputFile[];
  /** The shard each environment's folder was taken from. */
  takenFrom: Map<string, string>;
  /** Blocked environments whose folder is kept from `--previous`. */
  kept: string[];
  /** Environments whose folder differs from what `--previous` holds (all of them without it). */
  changed: string[];
}

/**
 * `slipway merge`: the output folders of shard builds (`build --shard K/N`, each into its own
 * --out, from the same source tree and --previous) become the tree one full build writes, byte
 * for byte. Every environment that should have a folder takes it from exactly one shard, after
 * that folder passed `verify`'s checks (a tampered shard is an IntegrityError naming the file);
 * a blocked one keeps what --previous holds, as in a build. The root files are made for the whole
 * fleet and the root manifest is signed and chained as a full build's. Anything that does not
 * add up — an environment in no shard, in two with different bytes, one the source no longer
 * has, a shard built with other options — is a UserError listing every problem; nothing is written.
 */
export function mergeShards(options: MergeOptions): MergedTree {
  const { shards, targets, signing } = options;
  const known = new Map(targets.map((target) => [target.name, target] as const));

  const unknown: MergeProblem[] = [];
  for (const shard of shards) {
    for (const name of shard.environments.keys()) {
      if (known.get(name)?.status === 'ready' || known.get(name)?.status === 'blocked') continue;
      unknown.push({ code: 'shard-unknown-environment', message: `${shard.label}/environments/${name} is the folder of an environment the source tree does not have (environments/${name}.yaml was removed or renamed, or the share was built from another source tree); build the shares again from this source` });
    }
  }
  refuse(unknown);
  refuse(signednessProblems(shards, signing.seed, options.previous));

  const signatures: ShardSignatures = signing.seed ? { trustedKeys: signing.trustedKeys, revoked: signing.revoked } : 'unchecked';
  const tampered = shards.flatMap((shard) => shardProblems(shard, signatures));
  if (tampered.length > 0) throw integrityError(tampered);

  const problems: MergeProblem[] = [];
  const folders = new Map<string, Map<string, Uint8Array>>();
  const takenFrom = new Map<string, string>();
  const kept: string[] = [];
  const manifests = new Map<string, ReleaseManifest>();
  for (const target of [...targets].sort((a, b) => compareText(a.name, b.name))) {
    const holders = shards.filter((shard) => shard.environments.has(target.name));
    if (target.status === 'blocked') {
      const folder = keptFolder(options.previous, target.name, signing);
      for (const shard of holders) {
        const difference = folder ? folderDifference(folder, shard.environments.get(target.name)!.files) : 'holds a folder, where --previous holds none';
        if (difference) {
          problems.push({ code: 'shard-mismatch', message: `${shard.label}/environments/${target.name} is not what a build keeps for this blocked target from --previous (${difference}): was the share built with another --previous, or at another SOURCE_DATE_EPOCH?` });
        }
      }
      if (folder) {
        folders.set(target.name, folder);
        kept.push(target.name);
      }
      continue;
    }
    if (target.status !== 'ready') continue;
    if (holders.length === 0) {
      problems.push({ code: 'shard-missing', message: `environment ${target.name} has no folder in any of the ${shards.length} shard(s): give the output of every share (build --shard K/N for each K of N), built from this source tree` });
      continue;
    }
    const [first, ...others] = holders;
    const files = first!.environments.get(target.name)!.files;
    for (const other of others) {
      const difference = folderDifference(files, other.environments.get(target.name)!.files);
      if (difference) problems.push({ code: 'shard-conflict', message: `environment ${target.name} is in ${first!.label} and ${other.label} with different bytes (${difference}): shares must not overlap; build each share of one --shard K/N split once, from one source tree` });
    }
    folders.set(target.name, new Map(files));
    takenFrom.set(target.name, first!.label);
    manifests.set(target.name, parseManifest(files.get(MANIFEST_FILE)!, `${first!.label}/environments/${target.name}/${MANIFEST_FILE}`));
  }
  problems.push(...consistencyProblems({ shards, targets, folders, takenFrom, manifests, previous: options.previous, signing }));
  refuse(problems);

  const digests = new Map<string, string>();
  for (const [name, files] of folders) {
    const manifest = files.get(MANIFEST_FILE);
    if (manifest) digests.set(name, sha256Hex(manifest));
  }
  const rootFiles = options.projectFiles(digests);
  refuse(chartProblems(rootFiles, targets, manifests, takenFrom));
  const environmentFiles = [...folders].flatMap(([name, files]) => [...files].map(([path, bytes]) => ({ path: `environments/${name}/${path}`, bytes })));
  const changed = [...folders.keys()].filter((name) => {
    const before = options.previous?.folder(name);
    return !before || folderDifference(before, folders.get(name)!) !== undefined;
  });
  return { files: [...environmentFiles, ...rootFiles].sort((a, b) => compareText(a.path, b.path)), takenFrom, kept, changed };
}

/** What a build keeps for a blocked target: the folder --previous holds, its manifest signed again if it must be (see compile.ts). */
function keptFolder(previous: PreviousTree | undefined, name: string, signing: MergeSigning): Map<string, Uint8Array> | undefined {
  const kept = previous?.folder(name) ?? new Map<string, Uint8Array>();
  const manifest = kept.get(MANIFEST_FILE);
  if (manifest) {
    const signature = kept.get(SIGNATURE_FILE);
    const release = keptRelease({ manifest, ...(signature ? { signature } : {}) }, { ...(signing.seed ? { signingSeed: signing.seed } : {}), keepSignature: signing.keepSignature });
    for (const file of release.files) kept.set(file.path, file.bytes);
  }
  return kept.size > 0 ? kept : undefined;
}

/** Where two folders first differ, in words, or undefined when they hold the same files with the same bytes. */
export function folderDifference(a: ReadonlyMap<string, Uint8Array>, b: ReadonlyMap<string, Uint8Array>): string | undefined {
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort(compareText);
  for (const path of paths) {
    const left = a.get(path);
    const right = b.get(path);
    if (!left || !right) return `${path} is only in one of them`;
    if (!bytesEqual(left, right)) return `${path} differs`;
  }
  return undefined;
}

/**
 * A Kubernetes target's manifest pins the shared chart by content: the chart this source renders
 * must be the one every taken manifest pins, or the share was built by another Slipway or source.
 */
function chartProblems(rootFiles: readonly OutputFile[], targets: readonly Target[], manifests: ReadonlyMap<string, ReleaseManifest>, takenFrom: ReadonlyMap<string, string>): MergeProblem[] {
  const tree = new Map(rootFiles.map((file) => [file.path, file.bytes] as const));
  const problems: MergeProblem[] = [];
  const pinOf = heldChartPins(tree);
  for (const target of targets) {
    const manifest = manifests.get(target.name);
    if (!manifest || !target.model) continue;
    const model = target.model;
    const expected = model.runtime === 'kubernetes' ? pinOf(model.chart.name, model.chart.version) : undefined;
    const held = manifest.chart;
    if (expected?.name === held?.name && expected?.version === held?.version && expected?.sha256 === held?.sha256) continue;
    const describe = (pin?: { name: string; version: string; sha256: string }) => (pin ? `${pin.name} ${pin.version} (${pin.sha256.slice(0, 12)}…)` : 'no chart');
    problems.push({ code: 'shard-mismatch', message: `${takenFrom.get(target.name)}/environments/${target.name}/${MANIFEST_FILE} pins ${describe(held)}, but this source tree renders ${describe(expected)}: the share was built from another source tree or by another Slipway version` });
  }
  return problems;
}

function refuse(problems: readonly MergeProblem[]): void {
  if (problems.length === 0) return;
  const lines = problems.map((problem) => `${problem.code}: ${problem.message}`);
  throw new UserError(`${lines.join('\n')}\nmerge failed: ${problems.length} problem(s); nothing was written`);
}

function integrityError(problems: readonly TreeProblem[]): IntegrityError {
  const lines = problems.map((problem) => `shard-tampered: ${problem.file} ${problem.reason}`);
  return new IntegrityError(`${lines.join('\n')}\nmerge failed: ${problems.length} file(s) of the shards do not match their signed manifests; nothing was written`);
}
