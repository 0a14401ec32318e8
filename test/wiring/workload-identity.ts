import { interpolations, references } from './hcl-expression.js';
import type { TerraformCatalogue } from './terraform-catalogue.js';

/**
 * Where a workload reaches its bucket with its own cloud identity (EKS Pod Identity, an ECS task
 * role) instead of keys: which IAM roles of an environment's Terraform have a policy on a bucket it
 * creates, and what a Terraform value refers to.
 */

/** Every address a Terraform value refers to, however deep. */
export function addressesIn(value: unknown): string[] {
  if (typeof value === 'string') return interpolations(value).flatMap(references);
  if (Array.isArray(value)) return value.flatMap(addressesIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(addressesIn);
  return [];
}

/** The IAM roles (`aws_iam_role.X`) an inline role policy lets reach an S3 bucket of this Terraform. */
export function rolesReachingABucket(catalogue: TerraformCatalogue): Set<string> {
  const { resource = {}, data = {} } = catalogue.module as { resource?: Record<string, Record<string, unknown[]>>; data?: Record<string, Record<string, unknown[]>> };
  const reachesBucket = (address: string): boolean =>
    address.startsWith('aws_s3_bucket.') || (address.startsWith('data.aws_iam_policy_document.') && addressesIn(data.aws_iam_policy_document?.[address.split('.')[2]!] ?? []).some(reachesBucket));
  const roles = new Set<string>();
  for (const bodies of Object.values(resource.aws_iam_role_policy ?? {})) {
    for (const body of bodies as Array<Record<string, unknown>>) {
      if (!addressesIn(body.policy).some(reachesBucket)) continue;
      for (const role of addressesIn(body.role)) if (role.startsWith('aws_iam_role.')) roles.add(role);
    }
  }
  return roles;
}
