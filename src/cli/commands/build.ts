import type { OutputFile } from '../../core/output-file.js';
import { resolve } from 'node:path';
import { outputTree, prepareToRenderAll, projectFiles, releaseRenderThreads, renderEnvironments, type RenderedEnvironments } from '../../compile.js';
import { hasErrors } from '../../core/diagnostics.js';
import { ExitCode, type ExitCodeValue } from '../../core/errors.js';
import { openPrevious, type PreviousTree } from '../../deploy-repo/index.js';
import { sourceCommit } from '../../load/source-commit.js';
import { hasBuildRecord, prepareReuse, recordAfterBuild, type BuildOutcome } from '../../reuse/index.js';
import { isOutputTree, writeIncremental, writeOutputTree, writeOutputTreeAsRendered } from '../../write/index.js';
import { writePartialTree, writePartialTreeAsRendered, type PartialUpdate } from '../../write/partial.js';
import { settingsBranch } from '../deploy-settings.js';
import { inShard, parseShard } from '../selection.js';
import { buildSummary, progressReporter } from '../build-report.js';
import { buildTime } from '../clock.js';
import { parseFormat, reportFindings, summaryLine } from '../findings.js';
import type { CliIo } from '../io.js';
import { signingSeed } from '../signing-key.js';
import { checkedEnvironmentNames, checkedRoot } from './validate.js';

export interface BuildCommandOptions {
  root: string;
  out?: string;
  format?: string;
  failOnBlocked?: boolean;
  previous?: string;
  signingKey?: string;
  sign?: boolean;
  sourceCommit?: string;
  env?: string[];
  shard?: string;
  /** Progress on stderr even when it is not a terminal. */
  progress?: boolean;
}

export function runBuild(options: BuildCommandOptions, io: CliIo): ExitCodeValue {
  const clock = io.clock ?? (() => performance.now());
  const startedAt = clock();
  const format = parseFormat(options.format, io);
  const root = checkedRoot(options.root, io);
  const seed = signingSeed(options, io);
  const now = buildTime(io.env);
  const only = checkedEnvironmentNames(options.env ?? [], root);
  const shard = parseShard(options.shard);
  const partial = only !== undefined || shard !== undefined;
  const out = resolve(io.cwd, options.out ?? resolve(root, 'output'));
  // Nothing recorded beside --out: every environment renders, so the render threads start now and
  // load while this thread reads the deploy state and digests the tree.
  if (!partial && !hasBuildRecord(out)) prepareToRenderAll(root);
  let previous: PreviousTree | undefined;
  try {
    previous = options.previous ? openPrevious(options.previous, io.cwd, settingsBranch(root, options.previous, io.cwd)) : undefined;
    const commit = sourceCommit(root, options.sourceCommit, io.env);
    const progress = progressReporter(io, options.progress === true, startedAt, clock);
    const compileOptions = {
      root,
      now,
      ...(previous ? { previous } : {}),
      ...(seed ? { signingSeed: seed } : {}),
      ...(commit ? { sourceCommit: commit } : {}),
      ...(partial ? { render: (name: string) => (!only || only.includes(name)) && (!shard || inShard(name, shard)) } : {}),
      ...(progress ? { onProgress: progress } : {}),
    };
    // A build into an output it built before renders only what changed since (see src/reuse); an
    // --env or --shard build also takes the verdicts of the environments it keeps from the record.
    const reuse = prepareReuse({ root, out, now, ...(seed ? { signingSeed: seed } : {}), ...(commit ? { sourceCommit: commit } : {}), ...(previous ? { previous } : {}) });
    const recordOf = (rendered: RenderedEnvironments, rootFiles: OutputFile[]) => recordAfterBuild(reuse, outcome(rendered), rootFiles, 'full');
    let result!: RenderedEnvironments;
    let files = 0;
    // Nothing of --out to keep: each folder is staged as soon as it is rendered, while the rest render.
    const streamed = !partial && reuse.plan.reused.size === 0;
    // A share into a folder with no output yet (a CI runner's): staged as it renders, too.
    const streamedShare = partial && reuse.plan.reused.size === 0 && !isOutputTree(out);
    const shareUpdate = (rendered: RenderedEnvironments): PartialUpdate => {
      // A folder of this share kept from the record stays as it is: only what was rendered anew is written.
      const kept = new Set(rendered.reused ?? []);
      const renderedAnew = new Set(rendered.rendered!.filter((name) => !kept.has(name)));
      return {
        rendered: [...renderedAnew],
        folders: rendered.folders!,
        manifestDigests: new Map([...rendered.manifestDigests!].filter(([name]) => renderedAnew.has(name))),
        environments: new Set(rendered.targets.map((target) => target.name)),
        projectFiles: (digests) => projectFiles(rendered, digests),
        record: (rootFiles) => recordAfterBuild(reuse, outcome(rendered), rootFiles, 'partial'),
      };
    };
    let share: PartialUpdate | undefined;
    if (streamedShare) {
      writePartialTreeAsRendered(out, (stage) => {
        result = renderEnvironments({ ...compileOptions, reuse: reuse.plan, onFolder: stage });
        return hasErrors(result.diagnostics) || !result.folders ? undefined : (share = shareUpdate(result));
      });
    } else if (streamed) {
      writeOutputTreeAsRendered(out, (stage) => {
        // Each folder is staged as it comes and not held after: the root files need only the manifests' digests.
        result = renderEnvironments({ ...compileOptions, reuse: reuse.plan, onFolder: stage, retainFolders: false });
        if (hasErrors(result.diagnostics) || !result.folders) return undefined;
        const rootFiles = projectFiles(result, result.manifestDigests!);
        files = rootFiles.length + [...result.folderSizes!.values()].reduce((sum, size) => sum + size, 0);
        return { files: rootFiles, record: recordOf(result, rootFiles) };
      });
    } else {
      result = renderEnvironments({ ...compileOptions, reuse: reuse.plan });
    }
    reportFindings('build', result.diagnostics, result.targets, format, options.root, io);
    const summary = (ok: boolean, files: number) => {
      if (format !== 'json') return;
      const fields = { ok, targets: result.targets, diagnostics: result.diagnostics, files, signed: seed !== undefined, startedAt, now: clock() };
      io.stdout(`${JSON.stringify(buildSummary({ ...fields, ...(result.rendered ? { rendered: result.rendered } : {}), ...(result.changedEnvironments ? { changed: result.changedEnvironments } : {}), ...(result.reused ? { reused: result.reused } : {}) }))}\n`);
    };
    if (hasErrors(result.diagnostics) || !result.folders) {
      io.stderr(`${summaryLine(result.diagnostics, result.targets)}\nbuild failed: nothing was written\n`);
      summary(false, 0);
      return ExitCode.invalidInput;
    }
    if (partial) {
      const update = (share ??= shareUpdate(result));
      if (!streamedShare) writePartialTree(out, update);
      files = fileCount(new Map([...update.folders].filter(([name]) => update.rendered.includes(name))));
    } else if (streamed) {
      // Written above.
    } else {
      const plan = reuse.plan;
      const rootFiles = projectFiles(result, result.manifestDigests!);
      const record = (rendered: RenderedEnvironments) => recordOf(rendered, rendered === result ? rootFiles : projectFiles(rendered, rendered.manifestDigests!));
      // A blocked target reused from the record has no folder to keep.
      const kept = new Set((result.reused ?? []).filter((name) => plan.reused.get(name)?.manifestSha256 !== null));
      const written =
        kept.size > 0 &&
        writeIncremental(out, { rendered: result.folders, kept, rootFiles, record: { ...record(result), expectedDigest: plan.recordDigest ?? '' } });
      if (written) {
        files = rootFiles.length + fileCount(result.folders) + [...kept].reduce((sum, name) => sum + plan.reused.get(name)!.files, 0);
      } else {
        // Nothing to keep, or --out changed under this build: every environment is rendered and the whole tree written.
        if (kept.size > 0) result = renderEnvironments(compileOptions);
        const tree = outputTree(result);
        files = tree.length;
        writeOutputTree(out, tree, record(result));
      }
    }
    const signed = seed ? 'signed' : 'unsigned (--no-sign)';
    const scope = partial ? `${result.rendered!.length} of ${result.targets.length} environments` : 'every environment';
    io.stderr(`${summaryLine(result.diagnostics, result.targets)}\nwrote ${scope} to ${out}, ${signed}; ${result.changedEnvironments?.length ?? 0} environment(s) changed\n`);
    summary(true, files);
    if (options.failOnBlocked && result.targets.some((t) => t.status === 'blocked')) return ExitCode.invalidInput;
    return ExitCode.ok;
  } finally {
    releaseRenderThreads();
    previous?.dispose();
  }
}

function fileCount(folders: ReadonlyMap<string, readonly OutputFile[]>): number {
  return [...folders.values()].reduce((sum, folder) => sum + folder.length, 0);
}

/** What the build record needs of a successful render: the folders it rendered, with the verdicts and findings. */
function outcome(result: RenderedEnvironments): BuildOutcome {
  const rendered = new Set(result.rendered);
  return {
    project: result.project,
    targets: result.targets,
    diagnostics: result.diagnostics,
    manifestDigests: result.manifestDigests!,
    changedEnvironments: result.changedEnvironments!,
    folderSizes: new Map([...result.folderSizes!].filter(([name]) => rendered.has(name))),
    ...(result.reused ? { reused: result.reused } : {}),
  };
}
