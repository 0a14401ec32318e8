/** One rendered file: a path relative to the output root (or to the environment folder) and its exact bytes. */
export interface OutputFile {
  path: string;
  bytes: Uint8Array;
}

/**
 * The folder of hand-written files in a deploy repository: `extra/` at its root and in each
 * environment's folder (`environments/<env>/extra/`). Slipway never writes, signs, replaces or
 * removes anything in it, so no generator may write a path inside it (a path there would be both
 * signed and the owners' own).
 */
export const EXTRA_FOLDER = 'extra';
