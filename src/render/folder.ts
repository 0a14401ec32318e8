import type { OutputFile } from '../core/output-file.js';
import { generateEnvironment } from '../generate/index.js';
import type { ResolvedEnvironment } from '../model/index.js';
import { releaseEnvironment, type ReleaseOptions } from '../sign/release-files.js';

/** One environment to render: its model, and how its manifest is chained and signed. */
export interface RenderJob {
  model: ResolvedEnvironment;
  release: ReleaseOptions;
}

/** One environment's folder: the generators' files, then release.json (and its signature). */
export interface RenderedFolder {
  /** Paths relative to `environments/<env>/`. */
  files: OutputFile[];
  /** sha256 of the folder's release.json. */
  manifestSha256: string;
  /** False when the previous manifest and signature were kept because nothing changed. */
  changed: boolean;
}

/** Generates and signs one environment's folder: the same on the main thread and on a worker. */
export function renderFolder(job: RenderJob): RenderedFolder {
  const rendered = generateEnvironment(job.model).map(({ path, bytes }) => ({ path, bytes }));
  const release = releaseEnvironment(job.model, rendered, job.release);
  return { files: [...rendered, ...release.files], manifestSha256: release.manifestSha256, changed: release.changed };
}

/** A rendered folder's manifest digest and change, its files let go. */
export function withoutFiles(folder: RenderedFolder): RenderedFolder {
  return { files: [], manifestSha256: folder.manifestSha256, changed: folder.changed };
}
