import type { K8sObject } from '../support/kubernetes-objects.js';
import { ecsContainers, ecsContainerVariables } from './ecs-references.js';
import { interpolations, references } from './hcl-expression.js';
import { containersOf, isWorkload, podSpecOf } from './resolve-references.js';
import { literal, type TerraformCatalogue } from './terraform-catalogue.js';

/**
 * Where a workload reaches its bucket with its own cloud identity (EKS Pod Identity, an ECS task
 * role) instead of keys: which IAM roles of an environment's Terraform have a policy on a bucket it
 * creates, what a Terraform value refers to, and which pods or tasks given a bucket without keys
 * run under no such role.
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

/**
 * One line for each workload that receives a bucket by these variable names without keys but does
 * not run as a ServiceAccount whose EKS Pod Identity role reaches a bucket; `receiving` counts the
 * workloads that receive one, so a caller can tell the check had something to judge.
 */
export function podsWithoutBucketRole(catalogue: TerraformCatalogue, workloads: readonly K8sObject[], variables: readonly string[]): { lines: string[]; receiving: number } {
  const roles = rolesReachingABucket(catalogue);
  const associations = Object.values((catalogue.module.resource?.aws_eks_pod_identity_association ?? {}) as Record<string, Array<Record<string, unknown>>>).flat();
  const lines: string[] = [];
  let receiving = 0;
  for (const workload of workloads.filter(isWorkload)) {
    if (!containersOf(workload).some(({ container }) => ((container.env ?? []) as Array<{ name: string }>).some((variable) => variables.includes(variable.name)))) continue;
    receiving += 1;
    const label = `${workload.kind}/${workload.metadata?.name}`;
    const account = podSpecOf(workload).serviceAccountName ?? podSpecOf(workload).serviceAccount;
    const namespace = String((workload.metadata as { namespace?: string } | undefined)?.namespace);
    if (typeof account !== 'string' || account === 'default') {
      lines.push(`${label}: receives ${variables.join(', ')} without keys, but runs as the namespace's default ServiceAccount, which no Pod Identity association names`);
      continue;
    }
    const association = associations.find((body) => literal(body.namespace) === namespace && literal(body.service_account) === account);
    if (!association) lines.push(`${label}: ServiceAccount ${namespace}/${account}: no aws_eks_pod_identity_association names it`);
    else if (!addressesIn(association.role_arn).some((role) => roles.has(role))) lines.push(`${label}: the Pod Identity role of ${namespace}/${account} has no policy on a bucket`);
  }
  return { lines, receiving };
}

/** The same for ECS: each task definition whose container `service` receives the bucket must have a task role that reaches one. */
export function tasksWithoutBucketRole(catalogue: TerraformCatalogue, service: string, variables: readonly string[]): { lines: string[]; receiving: number } {
  const roles = rolesReachingABucket(catalogue);
  const definitions = (catalogue.module.resource?.aws_ecs_task_definition ?? {}) as Record<string, Array<Record<string, unknown>>>;
  const tasks = ecsContainers(catalogue).containers.filter(({ container }) => container.name === service && variables.some((variable) => ecsContainerVariables(container).has(variable)));
  const lines = tasks.flatMap(({ taskDefinition }) => {
    const body = definitions[taskDefinition.split('.')[1]!]![0]!;
    return addressesIn(body.task_role_arn).some((role) => roles.has(role)) ? [] : [`${taskDefinition}: receives ${variables.join(', ')} without keys, but its task role ${String(body.task_role_arn ?? '(none)')} has no policy on a bucket`];
  });
  return { lines, receiving: tasks.length };
}
