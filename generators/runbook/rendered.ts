import { compareText } from '../../src/core/diagnostics.js';
import { BugError } from '../../src/core/errors.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import type { ProducedFile } from '../types.js';

/**
 * What the other generators rendered for this environment. The runbook and README name a file only
 * when it is here, so they cannot describe a folder that was never written or miss one that was.
 */
export interface RenderedFiles {
  /** Every rendered path, in the order the generators ran. */
  paths: readonly string[];
  has(path: string): boolean;
  /** Whether any file was rendered under `folder` (which ends in `/`). */
  hasFolder(folder: string): boolean;
  /** The self-hosted install/update bundle's path, when one was rendered. */
  bundle: string | undefined;
  /**
   * Every rendered top-level entry, in the order the generators ran: a folder (`terraform/`) when
   * it holds more than one file, else the file itself; with the generator that rendered it.
   */
  entries: ReadonlyArray<{ path: string; generator: ProducedFile['generator'] }>;
}

/** The environment as the runbook sees it: its model, and the files rendered for it. */
export interface RunbookSubject extends ResolvedEnvironment {
  rendered: RenderedFiles;
}

export function renderedFiles(produced: readonly ProducedFile[]): RenderedFiles {
  const paths = new Set(produced.map((file) => file.path));
  const perFolder = new Map<string, number>();
  for (const file of produced) {
    const folder = topFolder(file.path);
    if (folder) perFolder.set(folder, (perFolder.get(folder) ?? 0) + 1);
  }
  const entries = new Map<string, ProducedFile['generator']>();
  for (const file of produced) {
    const folder = topFolder(file.path);
    const path = folder && perFolder.get(folder)! > 1 ? folder : file.path;
    if (!entries.has(path)) entries.set(path, file.generator);
  }
  const bundles = produced.filter((file) => file.generator.name === 'bundle').map((file) => file.path).sort(compareText);
  if (bundles.length > 1) throw new BugError(`the bundle generator rendered ${bundles.length} files`);
  return {
    paths: produced.map((file) => file.path),
    has: (path) => paths.has(path),
    hasFolder: (folder) => perFolder.has(folder),
    bundle: bundles[0],
    entries: [...entries].map(([path, generator]) => ({ path, generator })),
  };
}

function topFolder(path: string): string | undefined {
  const slash = path.indexOf('/');
  return slash === -1 ? undefined : path.slice(0, slash + 1);
}
