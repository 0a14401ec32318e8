import type { Diagnostic } from '../core/diagnostics.js';
import { listFolder, readSourceFile } from './read-files.js';
import { readEnvironmentsHere, type EnvironmentReader } from './environment-inputs.js';
import { readCommitKey } from './commit-key.js';
import { readTrustedKey } from './trusted-key.js';
import { readVendoredCharts } from './vendored-charts.js';
import { readConfigFiles } from './config-files.js';
import type { CommitKey, ConfigFileContent, InputKind, SecretsFile, SourceFile, TrustedKey, VendoredChart } from '../model/index.js';

/** One input file, parsed, with the name its location gives it. */
export interface InputFile {
  kind: InputKind;
  /** The service folder name, environment or release file stem; the policy kind for policies. */
  name: string;
  source: SourceFile;
}

export interface SourceTree {
  root: string;
  files: InputFile[];
  /** Inputs that exist but could not be parsed: their names still exist for references elsewhere. */
  unreadable: Array<{ kind: InputKind; name: string }>;
  /** `keys/*.pub.pem`: the release-signing public keys targets trust, sorted by file name. */
  trustedKeys: TrustedKey[];
  /** `keys/*.pub.asc`: the OpenPGP keys deploy commits are signed with, sorted by file name. */
  commitKeys: CommitKey[];
  /** `secrets/<env>.sops.yaml` of the environments read, by environment name; still encrypted. */
  secretsFiles: Map<string, SecretsFile>;
  /** `vendor/charts/<chart>-<version>/` folders, with the values schema each holds. */
  vendoredCharts: Map<string, VendoredChart>;
  /** The files services mount (`configFiles`), by path from the root. */
  configFiles: Map<string, ConfigFileContent>;
  diagnostics: Diagnostic[];
}

const policyKinds = ['target-policy', 'provisioning-policy', 'secrets-policy', 'attestation-policy'] as const;

export interface LoadOptions {
  /** Restricts which environment files are read; services, releases and policies are always read. */
  environments?: readonly string[];
  /** Reads the environments' own files (default: on this thread; a build shares them among its threads). */
  readEnvironments?: EnvironmentReader;
}

/** Finds and parses every input of a source tree. Never throws for user mistakes: they become diagnostics. */
export function loadSourceTree(root: string, options: LoadOptions = {}): SourceTree {
  const files: InputFile[] = [];
  const secretsFiles = new Map<string, SecretsFile>();
  const configFiles = new Map<string, ConfigFileContent>();
  const unreadable: SourceTree['unreadable'] = [];
  const diagnostics: Diagnostic[] = [];

  /** Reads one input; true when something is there (read, or refused with a finding). */
  const add = (kind: InputKind, name: string, relativePath: string): boolean => {
    const result = readSourceFile(root, relativePath);
    if (!result) return false;
    diagnostics.push(...result.diagnostics);
    if (result.file) files.push({ kind, name, source: result.file });
    else unreadable.push({ kind, name });
    return true;
  };

  add('settings', 'slipway', 'slipway.yaml');

  for (const entry of listFolder(root, 'services', diagnostics)) {
    if (entry.kind !== 'folder') continue;
    const relativePath = `services/${entry.name}/service.json`;
    if (!add('service', entry.name, relativePath)) {
      diagnostics.push({ severity: 'warning', code: 'missing-service-file', file: `services/${entry.name}`, line: 1, column: 1, message: `services/${entry.name} has no service.json, so it is no service; add one or remove the folder` });
    }
    const service = files.at(-1);
    if (service?.kind === 'service' && service.name === entry.name) readConfigFiles(root, entry.name, service.source, configFiles, diagnostics);
  }

  const wanted = options.environments ? new Set(options.environments) : undefined;
  const environments = yamlFileNames(root, 'environments', diagnostics).filter((name) => !wanted || wanted.has(name));
  const inputs = (options.readEnvironments ?? readEnvironmentsHere)(root, environments);
  environments.forEach((name, index) => {
    const input = inputs[index]!;
    diagnostics.push(...input.diagnostics);
    if (input.source) files.push({ kind: 'environment', name, source: input.source });
    else if (input.found) unreadable.push({ kind: 'environment', name });
    if (input.secrets) secretsFiles.set(name, input.secrets);
  });

  for (const name of yamlFileNames(root, 'releases', diagnostics)) add('release', name, `releases/${name}.yaml`);

  for (const kind of policyKinds) add(kind, kind, `policies/${kind}.yaml`);

  // Shared overlays: each folder of overlays/ is one, named by it (its other files are read when an environment takes it).
  for (const entry of listFolder(root, 'overlays', diagnostics)) {
    if (entry.kind === 'folder') add('overlay', entry.name, `overlays/${entry.name}/overlay.yaml`);
  }

  const trustedKeys: TrustedKey[] = [];
  const commitKeys: CommitKey[] = [];
  for (const entry of listFolder(root, 'keys', diagnostics)) {
    if (entry.name.endsWith('.asc')) {
      const key = readCommitKey(root, `keys/${entry.name}`);
      diagnostics.push(...key.diagnostics);
      if (key.key) commitKeys.push(key.key);
      continue;
    }
    if (!entry.name.endsWith('.pub.pem')) {
      // A folder, or a PEM that is no public key, is never read here: say so rather than pass over it.
      if (entry.kind === 'folder' || entry.name.endsWith('.pem')) {
        diagnostics.push({
          severity: 'warning',
          code: 'unexpected-entry',
          file: `keys/${entry.name}`,
          line: 1,
          column: 1,
          message: entry.kind === 'folder' ? 'keys/ holds only trusted public keys (*.pub.pem, *.pub.asc); this folder is not read' : 'keys/ holds only public keys named *.pub.pem; if this is a private key, move it out of the repository',
        });
      }
      continue;
    }
    const key = readTrustedKey(root, `keys/${entry.name}`);
    diagnostics.push(...key.diagnostics);
    if (key.key) trustedKeys.push(key.key);
  }

  const vendoredCharts = readVendoredCharts(root, diagnostics);

  return { root, files, unreadable, trustedKeys, commitKeys, secretsFiles, vendoredCharts, configFiles, diagnostics };
}

/** The names of the environment files of a tree, before anything is read: what a build may have to render. */
export function environmentFileNames(root: string): string[] {
  return yamlFileNames(root, 'environments', []);
}

/**
 * Stems of the `*.yaml` entries of a folder, whatever they are (the reader refuses what is not a
 * file, with a finding); a `*.yml` file is reported, since it would be silently ignored.
 */
function yamlFileNames(root: string, folder: 'environments' | 'releases', diagnostics: Diagnostic[]): string[] {
  const names: string[] = [];
  for (const entry of listFolder(root, folder, diagnostics)) {
    if (entry.name.endsWith('.yml') && entry.kind === 'file') {
      const kind = folder === 'environments' ? 'environment' : 'release';
      diagnostics.push({ severity: 'error', code: 'file-name', file: `${folder}/${entry.name}`, line: 1, column: 1, message: `${kind} files end in .yaml: rename this file (it is not read as it is)` });
    } else if (entry.name.endsWith('.yaml')) {
      names.push(entry.name.slice(0, -'.yaml'.length));
    }
  }
  return names;
}
