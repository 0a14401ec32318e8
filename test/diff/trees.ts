import { stringify } from 'yaml';

/** Hand-made output trees for diff tests: small, and independent of what generators write today. */
export type Tree = Record<string, string>;

export function fileMap(tree: Tree): Map<string, Uint8Array> {
  return new Map(Object.entries(tree).map(([path, text]) => [path, new TextEncoder().encode(text)]));
}

export interface Entry {
  name: string;
  status?: 'ready' | 'blocked';
  release?: string;
  reasons?: string[];
}

export function index(...entries: Entry[]): string {
  return `${JSON.stringify(
    {
      apiVersion: 'slipway.dev/v1',
      kind: 'DeploymentIndex',
      environments: entries.map((e) => ({
        name: e.name,
        mode: 'saas',
        tier: 'production',
        provider: 'aws',
        runtime: 'kubernetes',
        release: e.release ?? '1.0.0',
        status: e.status ?? 'ready',
        blockReasons: (e.reasons ?? []).map((message) => ({ cause: 'license-revoked', message })),
        manifestSha256: null,
      })),
    },
    null,
    2,
  )}\n`;
}

export function manifest(environment: string, fields: { release?: string; sequence?: number; provider?: string; runtime?: string; previous?: string | null } = {}): string {
  return JSON.stringify({
    apiVersion: 'slipway.dev/v1',
    environment,
    files: [],
    kind: 'ReleaseManifest',
    mode: 'saas',
    previous: fields.previous ?? null,
    provider: fields.provider ?? 'aws',
    release: fields.release ?? '1.0.0',
    runtime: fields.runtime ?? 'kubernetes',
    sequence: fields.sequence ?? 1,
    source: {},
  });
}

export const yaml = (value: unknown) => stringify(value);

/** A SOPS file in the shape sops writes: ENC values, an `age` recipient list, a MAC. */
export function sops(values: Record<string, string>, recipients: string[] = ['age1d3n48n5nde089g77ukcc3azrr4wtfjymfnrctaqtyctv53nw25ssqcldpt']): string {
  const encrypted = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, `ENC[AES256_GCM,data:${v},iv:AAAA,tag:BBBB==,type:str]`]));
  return stringify({
    ...encrypted,
    sops: { age: recipients.map((recipient) => ({ recipient, enc: '-----BEGIN AGE ENCRYPTED FILE-----\nx\n-----END AGE ENCRYPTED FILE-----\n' })), lastmodified: '2026-11-20T00:00:00Z', mac: 'ENC[AES256_GCM,data:mac,iv:x,tag:y,type:str]', version: '3.9.4' },
  });
}
