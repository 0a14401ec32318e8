import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareText } from '../../src/core/diagnostics.js';
import { jsonBytes, textBytes } from '../../src/core/serialize.js';
import { generatorsDir } from '../../src/core/paths.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { sha256Hex } from '../../src/core/digest.js';
import { composeFiles, composePlan } from '../compose/index.js';
import type { ComposePlan } from '../compose/plan.js';
import { toolsImage } from '../compose/stores.js';
import type { EnvironmentGenerator, ProducedFile } from '../types.js';
import { deterministicZip, type ZipEntry } from './zip.js';

/** The static scripts shipped in every bundle, with their modes (lib.sh is sourced, not run). */
const scripts: ReadonlyArray<{ name: string; mode: number }> = [
  { name: 'install.sh', mode: 0o755 },
  { name: 'lib.sh', mode: 0o644 },
  { name: 'update.sh', mode: 0o755 },
];

const scriptCache = new Map<string, Uint8Array>();
function script(name: string): Uint8Array {
  let bytes = scriptCache.get(name);
  if (!bytes) {
    bytes = new Uint8Array(readFileSync(join(generatorsDir(), 'bundle', name)));
    scriptCache.set(name, bytes);
  }
  return bytes;
}

export function bundlePath(environment: ResolvedEnvironment): string {
  return `bundle/${environment.name}-${environment.release.version}.zip`;
}

/** Every entry of the bundle but bundle.json, which describes them: the Compose files exactly as compose/ holds them. */
function bundleEntries(environment: ResolvedEnvironment, composed: ReadonlyMap<string, Uint8Array>): ZipEntry[] {
  const entries: ZipEntry[] = [...composed].map(([path, bytes]) => ({ path, bytes, mode: 0o644 }));
  entries.push(...scripts.map(({ name, mode }) => ({ path: name, bytes: script(name), mode })));
  // Named by key id: a fixed, safe file name whatever the key file was called in the source tree.
  const keys = new Map(environment.trustedKeys.map((key) => [key.keyId, key.pem]));
  for (const [keyId, pem] of [...keys].sort(([a], [b]) => compareText(a, b))) entries.push({ path: `keys/${keyId}.pub.pem`, bytes: textBytes(pem), mode: 0o644 });
  return entries;
}

/**
 * bundle.json: what install.sh and update.sh need to know about the target, as data they read
 * with jq, and the sha256 of every other entry. The zip itself is listed in the environment's
 * signed release.json, which is how an installation trusts this file.
 */
function bundleDescription(environment: ResolvedEnvironment, plan: ComposePlan, entries: readonly ZipEntry[]): Record<string, unknown> {
  const longRunning = plan.services.filter((service) => service.restart === 'unless-stopped' && service.replicas !== 0);
  return {
    apiVersion: 'slipway.dev/v1',
    kind: 'SlipwayBundle',
    environment: environment.name,
    release: environment.release.version,
    mode: environment.mode,
    tier: environment.tier,
    domain: environment.infrastructure.dns.domain ?? null,
    files: [...entries]
      .sort((a, b) => compareText(a.path, b.path))
      .map((entry) => ({ path: entry.path, sha256: sha256Hex(entry.bytes), size: entry.bytes.length, mode: `0${entry.mode.toString(8)}` })),
    runtime: {
      project: plan.project,
      composeFile: 'docker-compose.yml',
      encryptedEnvFile: entries.some((entry) => entry.path === 'secrets.sops.env') ? 'secrets.sops.env' : null,
      proxy: plan.edge?.service ?? null,
      services: plan.services.map((service) => service.name),
      healthChecked: longRunning.filter((service) => service.healthcheck).map((service) => service.name),
      oneShots: plan.services.filter((service) => service.restart === 'no').map((service) => ({ service: service.name, kind: service.kind })),
      databases: plan.databases,
      volumes: plan.volumes,
      toolsImage,
      envFiles: plan.envFiles,
      secrets: plan.secrets,
    },
  };
}

/**
 * One Compose plan feeds both the bundled Compose files and bundle.json, so they cannot disagree.
 * The Compose files are the compose generator's when it has run (rendered once, not twice).
 */
export function bundleZip(environment: ResolvedEnvironment, produced: readonly ProducedFile[] = []): Uint8Array {
  const plan = composePlan(environment);
  const rendered = produced.filter((file) => file.generator.name === 'compose' && file.path.startsWith('compose/'));
  const composed = rendered.length > 0 ? new Map(rendered.map((file) => [file.path.slice('compose/'.length), file.bytes])) : composeFiles(environment, plan);
  const entries = bundleEntries(environment, composed);
  return deterministicZip([...entries, { path: 'bundle.json', bytes: jsonBytes(bundleDescription(environment, plan, entries)), mode: 0o644 }]);
}

/**
 * `bundle/<env>-<release>.zip`: the signed install/update bundle of a Compose target that the
 * update agent keeps current (every self-hosted target, and any Compose target it reconciles).
 */
export const bundleGenerator: EnvironmentGenerator = {
  name: 'bundle',
  scope: 'environment',
  description: 'the signed install/update bundle the update agent applies',
  appliesTo: (environment) => environment.runtime === 'compose' && (environment.mode === 'self-hosted' || environment.reconciler === 'update-agent'),
  dependsOn: ['compose'],
  generate: (environment, context) => [{ path: bundlePath(environment), bytes: bundleZip(environment, context.produced) }],
};
