/**
 * `slipway verify`: check every environment folder of an output tree (or a deploy repository's
 * checkout) against its signed release manifest. All problems are collected, not just the first.
 *
 * For each `environments/<env>/`:
 * - a folder holding any file must hold release.json and release.json.sig (a folder that is
 *   absent, or holds no file at all, is simply not there);
 * - the signature verifies under one of the trusted keys;
 * - the manifest is valid, canonical, and its `environment` is the folder's name;
 * - every listed file exists as a regular file with the listed size and sha256;
 * - no other file is in the folder (symbolic links and other non-regular files are failures).
 * An environment is listed in `environments` only when it passed every check.
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { keyId, parsePublicKeyPem } from '../core/signing/keys.js';
import { MANIFEST_FILE, SIGNATURE_FILE, comparePaths, parseManifest } from './manifest.js';
import { sha256Hex } from '../core/digest.js';
import { bytesEqual } from '../core/signing/pem.js';
import { parseSignatureFile, verifyBytes } from '../core/signing/signature.js';

export interface VerifiedEnvironment {
  name: string;
  release: string;
  keyId: string;
}

export interface VerifyFailure {
  /** Path relative to the output tree, `/`-separated. */
  file: string;
  reason: string;
}

export interface VerifyResult {
  environments: VerifiedEnvironment[];
  failures: VerifyFailure[];
}

/** The content of one environment folder: regular files by relative path, and anything else. */
export interface EnvironmentFolder {
  files: ReadonlyMap<string, Uint8Array>;
  /** Entries that are not regular files or folders (symbolic links, sockets…), with what they are. */
  others?: ReadonlyMap<string, string>;
}

/** Check one environment folder held in memory. `prefix` is prepended to paths in failures (e.g. `environments/prod/`). */
function verifyEnvironment(
  name: string,
  folder: EnvironmentFolder,
  trustedPublicKeys: readonly Uint8Array[],
  prefix = `environments/${name}/`,
): { environment?: VerifiedEnvironment; failures: VerifyFailure[] } {
  const failures: VerifyFailure[] = [];
  const fail = (path: string, reason: string) => failures.push({ file: prefix + path, reason });
  const { files } = folder;
  const others = folder.others ?? new Map<string, string>();

  if (files.size === 0 && others.size === 0) return { failures };
  for (const [path, kind] of others) fail(path, `is a ${kind}; environment folders hold regular files only`);

  const manifestBytes = files.get(MANIFEST_FILE);
  const sigBytes = files.get(SIGNATURE_FILE);
  if (manifestBytes === undefined) {
    fail(MANIFEST_FILE, `missing: the folder holds ${files.size} file(s) but no release manifest`);
    return { failures };
  }

  // Signature.
  let signedBy: string | undefined;
  if (sigBytes === undefined) fail(SIGNATURE_FILE, 'missing: release.json is not signed');
  else {
    try {
      const sig = parseSignatureFile(sigBytes, `${prefix}${SIGNATURE_FILE}`);
      if (trustedPublicKeys.length === 0) fail(SIGNATURE_FILE, 'cannot be checked: no trusted public keys were given');
      else {
        const key = trustedPublicKeys.find((pub) => verifyBytes(pub, manifestBytes, sig));
        if (key) signedBy = keyId(key);
        else {
          fail(SIGNATURE_FILE, `does not verify release.json under any of the ${trustedPublicKeys.length} trusted key(s) (wrong key, or release.json or its signature was changed)`);
        }
      }
    } catch (e) {
      fail(SIGNATURE_FILE, (e as Error).message.replace(`${prefix}${SIGNATURE_FILE} `, ''));
    }
  }

  // Manifest content. Checked even when the signature failed, to say as much as possible.
  let manifest;
  try {
    manifest = parseManifest(manifestBytes, `${prefix}${MANIFEST_FILE}`);
  } catch (e) {
    fail(MANIFEST_FILE, (e as Error).message.replace(`${prefix}${MANIFEST_FILE} `, ''));
    return { failures };
  }
  if (manifest.environment !== name) {
    fail(MANIFEST_FILE, `is the manifest of environment "${manifest.environment}", but it is in the folder of "${name}"`);
  }

  const listed = new Set<string>();
  for (const entry of manifest.files) {
    listed.add(entry.path);
    const bytes = files.get(entry.path);
    if (bytes === undefined) {
      if (!others.has(entry.path)) fail(entry.path, 'listed in release.json but missing');
      continue;
    }
    if (bytes.length !== entry.size) {
      fail(entry.path, `content changed: ${bytes.length} bytes, release.json lists ${entry.size}`);
    } else if (sha256Hex(bytes) !== entry.sha256) {
      fail(entry.path, 'content changed: sha256 differs from release.json');
    }
  }
  const unlisted = [...files.keys()]
    .filter((p) => p !== MANIFEST_FILE && p !== SIGNATURE_FILE && !listed.has(p))
    .sort(comparePaths);
  for (const path of unlisted) fail(path, 'not listed in release.json (a file was added)');

  if (failures.length > 0 || signedBy === undefined) return { failures };
  return { environment: { name, release: manifest.release, keyId: signedBy }, failures };
}

async function readFolder(dir: string): Promise<EnvironmentFolder> {
  const files = new Map<string, Uint8Array>();
  const others = new Map<string, string>();
  const walk = async (abs: string, rel: string): Promise<void> => {
    const entries = await readdir(abs, { withFileTypes: true });
    entries.sort((a, b) => comparePaths(a.name, b.name));
    for (const entry of entries) {
      const childAbs = join(abs, entry.name);
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) await walk(childAbs, childRel);
      else if (entry.isFile()) files.set(childRel, new Uint8Array(await readFile(childAbs)));
      else others.set(childRel, entry.isSymbolicLink() ? 'symbolic link' : 'special file');
    }
  };
  await walk(dir, '');
  return { files, others };
}

/** Verify every `environments/<env>/` folder of the output tree at `outDir`. */
export async function verifyOutputTree(outDir: string, trustedPublicKeys: Uint8Array[]): Promise<VerifyResult> {
  const rootStat = await lstat(outDir).catch(() => undefined);
  if (!rootStat?.isDirectory()) throw new UserError(`${outDir} is not a folder`);
  const result: VerifyResult = { environments: [], failures: [] };
  const envRoot = join(outDir, 'environments');
  const envStat = await lstat(envRoot).catch(() => undefined);
  if (!envStat) {
    result.failures.push({ file: 'environments', reason: 'missing: this is not a Slipway output tree (nothing to verify)' });
    return result;
  }
  if (!envStat.isDirectory()) {
    result.failures.push({ file: 'environments', reason: 'is not a folder' });
    return result;
  }
  const entries = await readdir(envRoot, { withFileTypes: true });
  entries.sort((a, b) => comparePaths(a.name, b.name));
  for (const entry of entries) {
    if (!entry.isDirectory()) {
      const kind = entry.isSymbolicLink() ? 'symbolic link' : entry.isFile() ? 'file' : 'special file';
      result.failures.push({ file: `environments/${entry.name}`, reason: `is a ${kind}; environments/ holds only environment folders` });
      continue;
    }
    const folder = await readFolder(join(envRoot, entry.name));
    const { environment, failures } = verifyEnvironment(entry.name, folder, trustedPublicKeys);
    result.failures.push(...failures);
    if (environment) result.environments.push(environment);
  }
  return result;
}

/** The trusted public keys of a folder: every `*.pub.pem` in it (not recursive), de-duplicated. */
export async function loadTrustedKeys(dir: string): Promise<Uint8Array[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.name.endsWith('.pub.pem') && (e.isFile() || e.isSymbolicLink()))
      .map((e) => e.name)
      .sort(comparePaths);
  } catch (e) {
    throw new UserError(`cannot read the trusted keys folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (names.length === 0) throw new UserError(`no trusted public keys (*.pub.pem) in ${dir}`);
  const keys: Uint8Array[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const pub = parsePublicKeyPem(await readFile(path, 'utf8'), path);
    if (!keys.some((k) => bytesEqual(k, pub))) keys.push(pub);
  }
  return keys;
}
