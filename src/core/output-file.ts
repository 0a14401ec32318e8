/** One rendered file: a path relative to the output root (or to the environment folder) and its exact bytes. */
export interface OutputFile {
  path: string;
  bytes: Uint8Array;
}
