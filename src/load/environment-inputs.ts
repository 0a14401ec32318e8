import type { Diagnostic } from '../core/diagnostics.js';
import type { SecretsFile, SourceFile } from '../model/index.js';
import { reparsedOnDemand } from './source-file.js';
import { readSourceFile } from './read-files.js';
import { readSecretsFile } from './secrets-file.js';

/**
 * What the load stage reads for one environment: its file and its secrets file. Reading and parsing
 * them is most of what loading a fleet costs, and each environment's are independent of the rest,
 * so a build shares them out among its threads (see `readEnvironmentsOnPreparedThreads`).
 */
export interface EnvironmentInputs {
  /** Whether the environment file is there (read, or refused with a finding). */
  found: boolean;
  /** Absent when the file could not be read or parsed (its findings say why). */
  source?: SourceFile;
  /** The environment file's findings, then the secrets file's. */
  diagnostics: Diagnostic[];
  secrets?: SecretsFile;
}

/** Reads the inputs of the environments `names`, in that order. */
export type EnvironmentReader = (root: string, names: readonly string[]) => EnvironmentInputs[];

export function readEnvironmentInputs(root: string, name: string): EnvironmentInputs {
  const read = readSourceFile(root, `environments/${name}.yaml`);
  const secrets = readSecretsFile(root, `secrets/${name}.sops.yaml`);
  return {
    found: read !== undefined,
    ...(read?.file ? { source: read.file } : {}),
    diagnostics: [...(read?.diagnostics ?? []), ...secrets.diagnostics],
    ...(secrets.file ? { secrets: secrets.file } : {}),
  };
}

/** Every environment read on this thread. */
export const readEnvironmentsHere: EnvironmentReader = (root, names) => names.map((name) => readEnvironmentInputs(root, name));

/** The inputs as they cross to another thread: the parsed document stays behind (it is parsed again only for a finding's position). */
export interface WireEnvironmentInputs {
  found: boolean;
  source?: { path: string; text: string; data: unknown };
  diagnostics: Diagnostic[];
  secrets?: SecretsFile;
}

export function wireEnvironmentInputs(inputs: EnvironmentInputs): WireEnvironmentInputs {
  const { source, ...rest } = inputs;
  return { ...rest, ...(source ? { source: { path: source.path, text: source.text, data: source.data } } : {}) };
}

export function receivedEnvironmentInputs(wire: WireEnvironmentInputs): EnvironmentInputs {
  const { source, ...rest } = wire;
  return { ...rest, ...(source ? { source: reparsedOnDemand({ path: source.path, text: source.text }, { value: source.data }) } : {}) };
}
