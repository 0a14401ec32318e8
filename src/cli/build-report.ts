import type { Diagnostic } from '../core/diagnostics.js';
import { countBySeverity } from '../report/format.js';
import type { Target } from '../model/index.js';
import type { CliIo } from './io.js';

/**
 * The last line of `build --format json`: what the build did, for scripts and dashboards, so a
 * successful build is not silence. `durationMs` is the one field that differs between runs; it is
 * on stdout only, never in the output tree.
 */
export interface BuildSummary {
  kind: 'BuildSummary';
  ok: boolean;
  /** Environments of the source tree. */
  environments: number;
  /** Rendered by this build (not blocked; with --env or --shard, only the chosen ones). */
  built: number;
  blocked: number;
  /** Rendered, and their files are what the previous state holds: manifests and signatures kept. */
  unchanged: number;
  /** Of those built, the folders kept from `--out` as the previous build into it rendered them, since none of their inputs changed. */
  reused: number;
  invalid: number;
  errors: number;
  warnings: number;
  /** Files written under --out (0 when nothing was written). */
  files: number;
  signed: boolean;
  durationMs: number;
}

export function buildSummary(fields: {
  ok: boolean;
  targets: readonly Target[];
  diagnostics: readonly Diagnostic[];
  rendered?: readonly string[];
  changed?: readonly string[];
  reused?: readonly string[];
  files: number;
  signed: boolean;
  startedAt: number;
  now: number;
}): BuildSummary {
  const status = new Map(fields.targets.map((target) => [target.name, target.status]));
  const rendered = new Set(fields.rendered ?? []);
  const built = fields.ok ? [...rendered].filter((name) => status.get(name) === 'ready') : [];
  const changed = new Set(fields.changed ?? []);
  const counts = countBySeverity(fields.diagnostics);
  return {
    kind: 'BuildSummary',
    ok: fields.ok,
    environments: fields.targets.length,
    built: built.length,
    blocked: fields.targets.filter((target) => target.status === 'blocked').length,
    unchanged: built.filter((name) => !changed.has(name)).length,
    // Of this build's share; a blocked target judged from the record is not a folder kept.
    reused: fields.ok ? (fields.reused ?? []).filter((name) => status.get(name) === 'ready' && rendered.has(name)).length : 0,
    invalid: fields.targets.filter((target) => target.status === 'invalid').length,
    errors: counts.error,
    warnings: counts.warning,
    files: fields.files,
    signed: fields.signed,
    durationMs: Math.max(0, Math.round(fields.now - fields.startedAt)),
  };
}

/**
 * Environments done / total on stderr, for a build that has run over a second: on a terminal one
 * line redrawn in place, with `--progress` elsewhere a plain line at most once a second (a CI log
 * that wants it). A quick build, and any build into a pipe or a log by default, prints nothing.
 */
export function progressReporter(io: CliIo, asked: boolean, startedAt: number, clock: () => number): ((done: number, total: number) => void) | undefined {
  if (!io.isTerminal && !asked) return undefined;
  let shown = false;
  let lastAt = -Infinity;
  return (done, total) => {
    const now = clock();
    const last = done === total;
    if (now - startedAt < 1000 && !(last && shown)) return;
    if (!last && now - lastAt < (io.isTerminal ? 100 : 1000)) return;
    lastAt = now;
    shown = true;
    const line = `rendering ${done}/${total} environments`;
    if (io.isTerminal) io.stderr(`\r${line}${last ? '\n' : ''}`);
    else io.stderr(`${line}\n`);
  };
}
