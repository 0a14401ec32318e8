import { capFindings, compareText, hasErrors, sortDiagnostics, type Diagnostic } from './core/diagnostics.js';
import { sha256Hex } from './core/digest.js';
import { BugError } from './core/errors.js';
import type { OutputFile } from './core/output-file.js';
import type { PreviousTree } from './deploy-repo/index.js';
import { blockedNotice, blockReasons } from './gate/index.js';
import { checkEnvironment, generateEnvironment, generateProjectFiles, sharedChartFiles, type ProducedFile } from './generate/index.js';
import { environmentFileNames, loadSourceTree } from './load/index.js';
import type { EnvironmentReader } from './load/environment-inputs.js';
import { loadExtraFiles } from './load/extra-files.js';
import { summarize, type BlockReason, type Project, type ResolvedEnvironment, type Target } from './model/index.js';
import { prepareRenderThreads, readEnvironmentsOnPreparedThreads, releasePreparedThreads, renderAhead, renderInParallel, type RenderedFolder, type RenderJob } from './render/index.js';
import { resolveChart } from './resolve/chart.js';
import { resolveEnvironment } from './resolve/index.js';
import type { ReusePlan } from './reuse/plan.js';
import { chartPinsOnFirstUse } from './sign/chart-pin.js';
import type { ChartPin } from './sign/manifest.js';
import { keptRelease, releaseEnvironment } from './sign/release-files.js';
import { releaseIndexFiles, type PreviousReleaseIndex, type ReleaseIndexOptions } from './sign/release-index.js';
import { signingTrust, type SigningTrust } from './sign/rotation.js';
import type { RecordedVerdict } from './reuse/record.js';
import type { SourceDigests } from './reuse/inputs.js';
import { ruleFindings, schemaCheck } from './validate/index.js';

/**
 * The one driver behind every command: load → validate (schemas) → resolve → gate → validate
 * (rules) → check → generate → sign. `validate` and `plan` stop after the checks; `build`, `diff`
 * and `publish` run it to the end and get the complete signed set of files. Nothing here writes
 * to the output folder or the network: the writer and the publisher do, after it.
 */

export interface ValidateOptions {
  root: string;
  /** `build` treats what must exist to render (secrets files, generator checks) as errors; `validate` warns. */
  purpose?: 'validate' | 'build';
  environments?: readonly string[];
  /** The moment time-based policies are judged at (SOURCE_DATE_EPOCH in the CLI). */
  now: Date;
  /** How the environments' own files are read (default: on this thread). */
  readEnvironments?: EnvironmentReader;
  /**
   * Told of each target that renders unless validation fails, as soon as it is resolved and
   * gated, and given turns during the later checks: a build starts rendering it on the threads
   * that would otherwise wait for the validation to end.
   */
  renderAhead?: { resolved: (project: Project, model: ResolvedEnvironment) => void; turn: () => void };
}

export interface ValidationResult {
  project: Project;
  targets: Target[];
  diagnostics: Diagnostic[];
}

/** Everything short of generating files: every finding, and each environment's verdict and model. */
export function validateSourceTree(options: ValidateOptions): ValidationResult {
  const purpose = options.purpose ?? 'validate';
  const tree = loadSourceTree(options.root, { environments: options.environments, readEnvironments: options.readEnvironments });
  const { project, diagnostics: schemaFindings } = schemaCheck(tree);
  const extras = loadExtraFiles(project);
  project.extraFiles = extras.files;
  schemaFindings.push(...extras.diagnostics);
  const { resolved, reasons } = resolveAndGate(project, options);
  const blocked = new Set([...reasons].filter(([, list]) => list.length > 0).map(([name]) => name));
  options.renderAhead?.turn();
  const rules = ruleFindings({ project, resolved, blocked, purpose }, options.renderAhead?.turn);
  const inputErrors = new Set([...tree.diagnostics, ...schemaFindings, ...rules].filter((d) => d.severity === 'error').map((d) => d.file));
  // Only a target that would render is checked for what would stop its generators: on a file with
  // errors, a check would mostly restate them (a misspelt key reads as a missing one).
  const renderable = [...resolved.values()].filter((model) => !blocked.has(model.name) && !inputErrors.has(project.environments.get(model.name)!.source.path) && !model.extras.files.some((file) => inputErrors.has(file)));
  const checks = renderable.flatMap((model) => {
    const findings = renderFindings(model, purpose);
    options.renderAhead?.turn();
    return findings;
  });

  const diagnostics = [...tree.diagnostics, ...schemaFindings, ...rules, ...checks];
  const invalidFiles = new Set(diagnostics.filter((d) => d.severity === 'error').map((d) => d.file));
  const targets: Target[] = [];
  for (const [name, entity] of project.environments) {
    const model = resolved.get(name);
    // An error in a patch, manifest or overlay file the environment takes holds it back like one in its own file.
    if (!model || invalidFiles.has(entity.source.path) || model.extras.files.some((file) => invalidFiles.has(file))) {
      targets.push({ name, status: 'invalid', ...(model ? { model } : {}), blockReasons: [] });
      continue;
    }
    const verdict = reasons.get(name)!;
    if (verdict.length > 0) diagnostics.push(blockedNotice(project, model, verdict));
    targets.push({ name, status: verdict.length > 0 ? 'blocked' : 'ready', model, summary: summarize(model), blockReasons: verdict });
  }
  return { project, targets, diagnostics: capFindings(sortDiagnostics(diagnostics)) };
}

export interface CompileOptions extends ValidateOptions {
  /** The deploy repository's current state: manifests chain to it, blocked targets keep their folder from it. */
  previous?: PreviousTree;
  /** Ed25519 seed; without one, manifests are written unsigned (pull-request builds). */
  signingSeed?: Uint8Array;
  sourceCommit?: string;
  /** Renders only the environments it accepts (`--env`, `--shard`); every environment is still validated. */
  render?: (environment: string) => boolean;
  /** Called after each environment is rendered, for progress on a terminal. */
  onProgress?: (done: number, total: number) => void;
  /** Folders of `--out` kept as an earlier build rendered them (see `planReuse`): not rendered again. */
  reuse?: ReusePlan;
  /**
   * Called with each environment's folder as soon as it is complete, in no particular order, so the
   * writer can stage it while the rest render. Every folder is still in the result, unless
   * `retainFolders` is false.
   */
  onFolder?: (environment: string, files: readonly OutputFile[]) => void;
  /**
   * With `onFolder`, false keeps no folder's files once handed on (`folders` stays empty and
   * `folderSizes` says what they held): a streamed build need not hold a fleet's output in memory.
   */
  retainFolders?: boolean;
}

export interface CompileResult extends ValidationResult {
  /** The whole output tree, paths relative to the output root, sorted; undefined when validation failed. */
  files?: OutputFile[];
  /** Environments whose folder differs from the previous state (all rendered ones without `previous`). */
  changedEnvironments?: string[];
}

/** The environments' folders of a compile, before the project-wide files that summarise them. */
export interface RenderedEnvironments extends ValidationResult {
  /**
   * Folder contents by environment (paths relative to the folder); absent for an environment with no
   * folder, and for every one when the compile did not retain them (`retainFolders: false`).
   */
  folders?: Map<string, OutputFile[]>;
  /** How many files each folder of this compile holds (reused folders aside). */
  folderSizes?: Map<string, number>;
  /** sha256 of each rendered environment's release.json. */
  manifestDigests?: Map<string, string>;
  changedEnvironments?: string[];
  /** The environments this compile was asked to render, those it reused included. */
  rendered?: string[];
  /** The environments whose folders are kept from `--out` as they are (not in `folders`). */
  reused?: string[];
  /** How the root manifest is signed and chained. */
  rootSigning?: ReleaseIndexOptions;
}

/** Inputs in, the complete signed set of output files out. */
export function compile(options: CompileOptions): CompileResult {
  const result = renderEnvironments(options);
  if (!result.folders) return result;
  return { ...result, files: outputTree(result), changedEnvironments: result.changedEnvironments! };
}

/** The whole output tree of a successful render: every folder plus the root files, sorted by path. */
export function outputTree(result: RenderedEnvironments): OutputFile[] {
  const files = [...environmentFiles(result.folders!), ...projectFiles(result, result.manifestDigests!)];
  return files.sort((a, b) => compareText(a.path, b.path));
}

/**
 * Starts the render threads of a render of every environment of `root` before the caller does
 * anything else (a build with nothing to reuse): they load while it reads the deploy state and
 * digests the tree. `renderEnvironments` takes them; `releaseRenderThreads` stops any it did not.
 */
export function prepareToRenderAll(root: string): void {
  prepareRenderThreads(environmentFileNames(root).length);
}

export { releasePreparedThreads as releaseRenderThreads };

/** Validates everything, then generates and signs the chosen environments' folders. */
export function renderEnvironments(options: CompileOptions): RenderedEnvironments {
  const wanted = (name: string) => (!options.render || options.render(name)) && !options.reuse?.reused.has(name);
  // The render threads load while the main thread validates…
  prepareRenderThreads(environmentFileNames(options.root).filter(wanted).length);
  const previousRoot = options.previous?.releaseIndex();
  // …read the environments' files with it, and render what validation has cleared so far while it goes on.
  const jobs = renderJobs(options, previousRoot, wanted);
  const { validated, reused } = validateReusing({ ...options, purpose: 'build', readEnvironments: readEnvironmentsOnPreparedThreads, ...(jobs.renderAhead ? { renderAhead: jobs.renderAhead } : {}) }, options.reuse);
  const trust = jobs.trustOf(validated.project);
  const validation = { ...validated, diagnostics: sortDiagnostics([...validated.diagnostics, ...trust.diagnostics]) };
  if (hasErrors(validation.diagnostics)) {
    releasePreparedThreads();
    return validation;
  }

  const folders = new Map<string, OutputFile[]>();
  const folderSizes = new Map<string, number>();
  const retain = options.retainFolders !== false || !options.onFolder;
  const addFolder = (name: string, files: OutputFile[]) => {
    folderSizes.set(name, files.length);
    if (retain) folders.set(name, files);
  };
  const manifestDigests = new Map<string, string>();
  const changedEnvironments: string[] = [];
  for (const [name, recorded] of reused) {
    if (recorded.manifestSha256 !== null) manifestDigests.set(name, recorded.manifestSha256);
    if (recorded.changed) changedEnvironments.push(name);
  }
  const chosen = validation.targets.filter((target) => target.status !== 'invalid' && !reused.has(target.name) && (!options.render || options.render(target.name)));
  // Ready targets render together, on every core (see src/render); blocked ones keep their folder here.
  const ready = chosen.filter((target) => target.status !== 'blocked');
  const readyJobs = ready.map((target) => jobs.jobOf(validation.project, target.model!));
  const onFolder = options.onFolder;
  const renders = renderInParallel(readyJobs, {
    onProgress: (done) => options.onProgress?.(done, chosen.length),
    onRendered: (index: number, folder: RenderedFolder) => {
      folderSizes.set(ready[index]!.name, folder.files.length);
      onFolder?.(ready[index]!.name, folder.files);
    },
    keepFiles: retain,
  });
  const renderOf = new Map(ready.map((target, index) => [target.name, renders[index]!]));
  let done = ready.length;
  chosen.forEach((target) => {
    if (target.status === 'blocked') {
      // Nothing new for a blocked target: whatever the deploy repo holds for it stays as it is.
      const kept = options.previous?.folder(target.name) ?? new Map<string, Uint8Array>();
      const manifest = kept.get('release.json');
      if (manifest) {
        // Its files stay as they are, but a signature by a revoked key would fail the whole tree.
        const signature = kept.get('release.json.sig');
        const release = keptRelease({ manifest, ...(signature ? { signature } : {}) }, { ...(options.signingSeed ? { signingSeed: options.signingSeed } : {}), keepSignature: trust.keepSignature });
        for (const file of release.files) kept.set(file.path, file.bytes);
        manifestDigests.set(target.name, sha256Hex(manifest));
        if (release.resigned) changedEnvironments.push(target.name);
      }
      if (kept.size > 0) {
        const files = [...kept].map(([path, bytes]) => ({ path, bytes }));
        addFolder(target.name, files);
        onFolder?.(target.name, files);
      }
      options.onProgress?.(++done, chosen.length);
    } else {
      const release = renderOf.get(target.name)!;
      if (retain) folders.set(target.name, release.files);
      manifestDigests.set(target.name, release.manifestSha256);
      if (release.changed) changedEnvironments.push(target.name);
    }
  });
  const rootSigning: ReleaseIndexOptions = {
    ...(previousRoot ? { previous: previousRoot } : {}),
    ...(options.signingSeed ? { signingSeed: options.signingSeed } : {}),
    revokedKeys: trust.revokedKeys,
    keepSignature: trust.keepSignature,
  };
  // A reused folder counts as rendered where this build was asked to render it (all of them, without --env or --shard).
  const rendered = [...chosen.map((target) => target.name), ...[...reused.keys()].filter((name) => !options.render || options.render(name))].sort(compareText);
  return { ...validation, folders, folderSizes, manifestDigests, changedEnvironments: changedEnvironments.sort(compareText), rendered, reused: [...reused.keys()], rootSigning };
}

/**
 * Validation that may take verdicts recorded earlier (a build record, the validation cache): the
 * environments `reuse` holds are not read again when it allows — their verdicts and findings come
 * from the record — and any the validation finds in another state after all is looked at like the rest.
 */
export function validateReusing<Recorded extends RecordedVerdict>(
  options: ValidateOptions,
  reuse: { digests: SourceDigests; reused: ReadonlyMap<string, Recorded>; validateOthersOnly: boolean } | undefined,
): { validated: ValidationResult; reused: Map<string, Recorded> } {
  if (!reuse || reuse.reused.size === 0) return { validated: validateSourceTree(options), reused: new Map() };
  if (!reuse.validateOthersOnly) {
    const validated = validateSourceTree(options);
    const status = new Map(validated.targets.map((target) => [target.name, target.status]));
    return { validated, reused: new Map([...reuse.reused].filter(([name, recorded]) => status.get(name) === (recorded.status ?? 'ready'))) };
  }
  const others = (options.environments ?? [...reuse.digests.environments.keys()]).filter((name) => !reuse.reused.has(name));
  const validated = validateSourceTree({ ...options, environments: others });
  const kept: Target[] = [...reuse.reused].map(([name, recorded]) => ({ name, status: recorded.status ?? 'ready', summary: recorded.summary, blockReasons: recorded.blockReasons ?? [] }));
  const findings = [...reuse.reused.values()].flatMap((recorded) => recorded.findings);
  return {
    validated: {
      ...validated,
      targets: [...validated.targets, ...kept].sort((a, b) => compareText(a.name, b.name)),
      diagnostics: capFindings(sortDiagnostics([...validated.diagnostics, ...findings])),
    },
    reused: new Map(reuse.reused),
  };
}

export function environmentFiles(folders: ReadonlyMap<string, OutputFile[]>): OutputFile[] {
  return [...folders].flatMap(([environment, files]) => files.map((file) => ({ path: `environments/${environment}/${file.path}`, bytes: file.bytes })));
}

/**
 * index.json, README.md and the rest of the root, then the root manifest that signs them and every
 * environment's manifest digest: they summarise every environment, so they come last.
 */
export function projectFiles(validation: RenderedEnvironments, manifestDigests: ReadonlyMap<string, string>): OutputFile[] {
  const environments = validation.targets
    .filter((target) => target.summary && target.status !== 'invalid')
    .map((target) => {
      const summary = target.summary!;
      return {
        name: target.name,
        mode: summary.mode,
        tier: summary.tier,
        provider: summary.provider,
        runtime: summary.runtime,
        release: summary.release,
        status: target.status as 'ready' | 'blocked',
        blockReasons: target.blockReasons,
        manifestSha256: manifestDigests.get(target.name) ?? null,
      };
    })
    .sort((a, b) => compareText(a.name, b.name));
  const { target, provisioning, secrets, attestation } = validation.project.policies;
  const files = generateProjectFiles({ environments, policies: { target, provisioning, secrets, attestation }, chart: resolveChart(validation.project.settings?.value) });
  const indexed = environments.map(({ name, status, manifestSha256 }) => ({ name, status, manifestSha256 }));
  return [...files, ...releaseIndexFiles(files, indexed, validation.rootSigning ?? {})].sort((a, b) => compareText(a.path, b.path));
}

/**
 * One environment's files as `build` would render them, unsigned and in memory: what `slipway plan`
 * prints from. A blocked target is rendered too, its runbook headed by why it is blocked; the
 * generators' checks run first, since the validation that precedes a build skips blocked targets.
 */
export function previewEnvironment(target: Target): { files?: ProducedFile[]; diagnostics: Diagnostic[] } {
  if (!target.model || target.status === 'invalid') throw new BugError(`previewEnvironment called for ${target.name} in state ${target.status}`);
  const diagnostics = target.status === 'blocked' ? checkEnvironment(target.model) : [];
  if (hasErrors(diagnostics)) return { diagnostics };
  return { files: generateEnvironment(target.model, { blockReasons: target.blockReasons }), diagnostics };
}

/**
 * One model per environment whose file passed its schema (the rest are reported by the rules), and
 * why each is blocked, if it is.
 */
function resolveAndGate(project: Project, options: ValidateOptions): { resolved: Map<string, ResolvedEnvironment>; reasons: Map<string, BlockReason[]> } {
  const resolved = new Map<string, ResolvedEnvironment>();
  const reasons = new Map<string, BlockReason[]>();
  for (const name of project.environments.keys()) {
    const model = resolveEnvironment(project, name);
    if (!model) continue;
    resolved.set(name, model);
    const verdict = blockReasons(project, model, options.now);
    reasons.set(name, verdict);
    if (verdict.length === 0) options.renderAhead?.resolved(project, model);
  }
  return { resolved, reasons };
}

/**
 * What would stop the generators rendering a target. These only stop a build: `validate` reports
 * them as warnings, like a secrets file still to sync, so a pull request sees them early. A setting
 * no later step can make right (a deploy repository clusters cannot reach) is an error in both, so
 * a tree that validates also builds.
 */
function renderFindings(model: ResolvedEnvironment, purpose: 'validate' | 'build'): Diagnostic[] {
  const findings = checkEnvironment(model);
  const demote = (finding: Diagnostic) => finding.severity === 'error' && !errorsInValidate.has(finding.code);
  return purpose === 'build' ? findings : findings.map((finding) => (demote(finding) ? { ...finding, severity: 'warning' } : finding));
}

const errorsInValidate = new Set(['unreachable-deploy-repo']);

/**
 * How a compile makes each target's render job (its model, and how its manifest is chained and
 * signed), once: during the validation, for the threads that render ahead (see `renderAhead`), or
 * after it. A job made ahead is the same object afterwards, which is how the render knows the folder
 * rendered for it; a model resolved anew gets a new job.
 */
function renderJobs(options: CompileOptions, previousRoot: PreviousReleaseIndex | undefined, wanted: (environment: string) => boolean) {
  let trust: SigningTrust | undefined;
  const trustOf = (project: Project) => (trust ??= signingTrust(project, previousRoot, options.signingSeed));
  // The shared chart a Kubernetes target's manifest pins: its files are made once per chart and version.
  let chartPinOf: ((chart: ResolvedEnvironment['chart']) => ChartPin) | undefined;
  const made = new Map<string, RenderJob>();
  const jobOf = (project: Project, model: ResolvedEnvironment): RenderJob => {
    let job = made.get(model.name);
    if (job?.model !== model) {
      const { target, provisioning, secrets, attestation } = project.policies;
      chartPinOf ??= chartPinsOnFirstUse((chart) => sharedChartFiles({ environments: [], policies: { target, provisioning, secrets, attestation }, chart }));
      job = { model, release: signingOptions(options, trustOf(project), model.name, model.runtime === 'kubernetes' ? chartPinOf(model.chart) : undefined) };
      made.set(model.name, job);
    }
    return job;
  };
  const ahead = renderAhead();
  let aheadStopped = false;
  const offerAhead = (project: Project, model: ResolvedEnvironment) => (): RenderJob | undefined => {
    if (aheadStopped) return undefined;
    try {
      return jobOf(project, model);
    } catch {
      // What fails here fails again after the validation, where it is reported as it always was.
      aheadStopped = true;
      return undefined;
    }
  };
  const hooks: ValidateOptions['renderAhead'] = ahead && {
    resolved: (project, model) => {
      if (wanted(model.name)) ahead.offer(offerAhead(project, model));
    },
    turn: () => ahead.turn(),
  };
  return { trustOf, jobOf, renderAhead: hooks };
}

function signingOptions(options: CompileOptions, trust: SigningTrust, environment: string, chart: ChartPin | undefined): Parameters<typeof releaseEnvironment>[2] {
  const previousManifest = options.previous?.manifest(environment);
  const previousSignature = options.previous?.signature(environment);
  return {
    ...(previousManifest ? { previous: { manifest: previousManifest, ...(previousSignature ? { signature: previousSignature } : {}) } } : {}),
    ...(options.signingSeed ? { signingSeed: options.signingSeed } : {}),
    ...(options.sourceCommit ? { sourceCommit: options.sourceCommit } : {}),
    ...(chart ? { chart } : {}),
    keepSignature: trust.keepSignature,
  };
}
