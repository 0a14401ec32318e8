/**
 * The `infraSecrets` references a generator resolves itself. One reading for every generator that
 * meets them (External Secrets objects in k8s/, Terraform for AWS), so they agree on which
 * references are Secrets Manager secrets and what each names.
 */

/** A Secrets Manager reference: `arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME`, optionally with ECS's `:json-key:version-stage:version-id` or `#json-key`. */
export interface SecretsManagerReference {
  /** The secret's ARN without the suffixes. */
  arn: string;
  region: string;
  property: string | undefined;
  version: string | undefined;
  /** What ECS's `valueFrom` appends to the ARN for the same key and version (`:json-key:version-stage:version-id`), or '' for the whole secret. */
  ecsSuffix: string;
}

export function parseSecretsManagerArn(reference: string): SecretsManagerReference | undefined {
  const match = /^(arn:aws:secretsmanager:([a-z0-9-]+):[0-9]{12}:secret:[^:#]+)(?::([^:#]*)(?::([^:#]*)(?::([^:#]*))?)?|#(.+))?$/.exec(reference);
  if (!match) return undefined;
  const [, arn, region, jsonKey, versionStage, versionId, hashKey] = match;
  const property = jsonKey || hashKey || undefined;
  // External Secrets reads `uuid/<id>` as a version id, anything else as a staging label.
  const version = versionId ? `uuid/${versionId}` : versionStage || undefined;
  const ecsSuffix = property || versionStage || versionId ? `:${property ?? ''}:${versionStage ?? ''}:${versionId ?? ''}` : '';
  return { arn: arn!, region: region!, property, version, ecsSuffix };
}
