import { existsSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { projectFiles, renderEnvironments } from '../../compile.js';
import { hasErrors } from '../../core/diagnostics.js';
import { ExitCode, UsageError, type ExitCodeValue } from '../../core/errors.js';
import { keyId, publicKeyOf } from '../../core/signing/keys.js';
import { bytesEqual } from '../../core/signing/pem.js';
import { loadTrustedKeys, openPrevious } from '../../deploy-repo/index.js';
import { mergeShards, readShard } from '../../merge/index.js';
import { addRevocations } from '../../sign/revocation.js';
import { writeOutputTree } from '../../write/index.js';
import { buildTime } from '../clock.js';
import { settingsBranch } from '../deploy-settings.js';
import { parseFormat, reportFindings, summaryLine } from '../findings.js';
import type { CliIo } from '../io.js';
import { signingSeed } from '../signing-key.js';
import { checkedRoot } from './validate.js';

export interface MergeCommandOptions {
  root: string;
  out?: string;
  format?: string;
  previous?: string;
  signingKey?: string;
  sign?: boolean;
  /** Trusted release keys the shards' signatures must verify under (default `<root>/keys`); the signing key is trusted too. */
  keys?: string;
}

/**
 * `slipway merge SHARD_DIR...`: the outputs of `build --shard K/N`, each built into its own --out
 * (one per CI runner), into the tree one full build writes. The source tree is validated as a
 * build validates it (every environment's verdict, the root files); the environments' folders come
 * from the shards, checked against their signed manifests, and are written like a build's.
 */
export async function runMerge(shardDirs: readonly string[], options: MergeCommandOptions, io: CliIo): Promise<ExitCodeValue> {
  const clock = io.clock ?? (() => performance.now());
  const startedAt = clock();
  const format = parseFormat(options.format, io);
  const root = checkedRoot(options.root, io);
  const seed = signingSeed(options, io);
  const now = buildTime(io.env);
  if (shardDirs.length === 0) throw new UsageError('merge needs the output folder of every shard build: slipway merge SHARD_DIR...');
  const trusted = await trustedKeysOf(options.keys, root, io, seed !== undefined);
  const previous = options.previous ? openPrevious(options.previous, io.cwd, settingsBranch(root, options.previous, io.cwd)) : undefined;
  try {
    // Validation, every verdict and the root manifest's signing, as a build has them; nothing rendered.
    const result = renderEnvironments({ root, now, ...(previous ? { previous } : {}), ...(seed ? { signingSeed: seed } : {}), render: () => false });
    reportFindings('merge', result.diagnostics, result.targets, format, options.root, io);
    const summary = (ok: boolean, files: number, fields: Record<string, number> = {}) => {
      if (format !== 'json') return;
      io.stdout(`${JSON.stringify({ kind: 'MergeSummary', ok, shards: shardDirs.length, environments: result.targets.length, taken: 0, kept: 0, changed: 0, ...fields, files, signed: seed !== undefined, durationMs: Math.max(0, Math.round(clock() - startedAt)) })}\n`);
    };
    if (hasErrors(result.diagnostics) || !result.folders) {
      io.stderr(`${summaryLine(result.diagnostics, result.targets)}\nmerge failed: nothing was written\n`);
      summary(false, 0);
      return ExitCode.invalidInput;
    }
    const shards = shardDirs.map((dir) => readShard(resolve(io.cwd, dir), dir.replace(/\/+$/, '') || dir));
    const keys = seed && !trusted.some((key) => bytesEqual(key, publicKeyOf(seed))) ? [...trusted, publicKeyOf(seed)] : trusted;
    const merged = mergeShards({
      shards,
      targets: result.targets,
      ...(previous ? { previous } : {}),
      signing: {
        ...(seed ? { seed } : {}),
        trustedKeys: keys,
        revoked: addRevocations(new Map(), result.rootSigning?.revokedKeys ?? [], 'revokedKeys of policies/attestation-policy.yaml or of --previous'),
        keepSignature: result.rootSigning?.keepSignature ?? (() => true),
      },
      projectFiles: (digests) => projectFiles(result, digests),
    });
    const out = resolve(io.cwd, options.out ?? resolve(root, 'output'));
    writeOutputTree(out, merged.files);
    const signed = seed ? `signed by ${keyId(publicKeyOf(seed))}` : 'unsigned (--no-sign)';
    const keptNote = merged.kept.length > 0 ? `, ${merged.kept.length} blocked kept from --previous` : '';
    io.stderr(`${summaryLine(result.diagnostics, result.targets)}\nmerged ${shards.length} shard(s) into ${out}: ${merged.takenFrom.size} environment(s) from the shards${keptNote}, ${signed}; ${merged.changed.length} environment(s) changed\n`);
    summary(true, merged.files.length, { taken: merged.takenFrom.size, kept: merged.kept.length, changed: merged.changed.length });
    return ExitCode.ok;
  } finally {
    previous?.dispose();
  }
}

/** `--keys DIR`, else the source tree's keys/: the *.pub.pem there (none is fine when the signing key is given). */
async function trustedKeysOf(option: string | undefined, root: string, io: CliIo, signed: boolean): Promise<Uint8Array[]> {
  const dir = option ? resolve(io.cwd, option) : resolve(root, 'keys');
  if (option && !existsSync(dir)) throw new UsageError(`--keys ${option} does not exist: give the folder of trusted release keys (*.pub.pem) the shards are signed under`);
  // An unsigned merge checks no signature; a source tree may trust no key but the signing key.
  if (!signed) return [];
  if (!option && !(statSync(dir, { throwIfNoEntry: false })?.isDirectory() && readdirSync(dir).some((name) => name.endsWith('.pub.pem')))) return [];
  return loadTrustedKeys(dir);
}
