import { call, hclBytes, labeled, nested, output, terraform, variable, type Block, type Body, type Expression, type HclFile, type ObjectValue } from '../../src/core/hcl/index.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import type { OutputFile } from '../../src/core/output-file.js';
import { composeHostUserData, userDataFile, type HostOptions } from './host.js';
import { generatedNotice } from './naming.js';

/** What the AWS and DigitalOcean generators share in assembling a Terraform configuration. */

/** One `.tf` file, as a syntax tree. */
export interface TerraformFile {
  name: string;
  blocks: Block[];
}

/** A configuration: its `.tf` files as syntax trees (what the tests parse back and check), and the files beside them. */
export interface TerraformModule {
  files: TerraformFile[];
  extra: OutputFile[];
}

/** What the parts of a configuration collect while they are built. */
export interface ModuleParts {
  variables: Block[];
  outputs: Block[];
}

/**
 * A value percent-encoded for the user or password part of a connection URL. Terraform's
 * `urlencode` writes a space as `+` (its query-string form) and a `+` as `%2B`, so every `+` left
 * is a space.
 */
export function urlEncoded(value: Expression): Expression {
  return call('replace', call('urlencode', value), '+', '%20');
}

export function addVariable(parts: ModuleParts, name: string, body: Body): void {
  parts.variables.push(variable(name, body));
}

export function addOutput(parts: ModuleParts, name: string, value: Body['value'], description: string, sensitive?: boolean): void {
  parts.outputs.push(output(name, { description, value, sensitive }));
}

/** `versions.tf`: Terraform and the provider, pinned. */
export function requiredVersions(terraformVersion: string, providers: ObjectValue): Block {
  return terraform({ required_version: terraformVersion, required_providers: nested(providers) }, ['Pinned: a new provider release changes nothing until Slipway moves this pin.']);
}

/** `backend.tf`: state in an S3-compatible bucket, one key per environment. */
export function stateBackend(environment: ResolvedEnvironment, settings: Body, comment: readonly string[]): Block {
  return terraform({ backend: labeled('s3', { key: `environments/${environment.name}/terraform.tfstate`, ...settings }) }, comment);
}

/** The files in the order given, leaving out those with no blocks; beside them a Compose host's cloud-init user data. */
export function terraformModule(environment: ResolvedEnvironment, files: readonly TerraformFile[], host: HostOptions | undefined): TerraformModule {
  return {
    files: files.filter((file) => file.blocks.length > 0),
    extra: host ? [{ path: `terraform/${userDataFile}`, bytes: composeHostUserData(environment, host) }] : [],
  };
}

/** What a Terraform generator writes under `terraform/`. */
export function terraformOutput(environment: ResolvedEnvironment, module: TerraformModule): OutputFile[] {
  return [...module.extra, ...module.files.map((file) => ({ path: `terraform/${file.name}`, bytes: hclBytes(hclFile(environment, file)) }))];
}

/** A `.tf` file headed with where it came from. */
export function hclFile(environment: ResolvedEnvironment, file: TerraformFile): HclFile {
  return { header: [generatedNotice(environment)], blocks: file.blocks };
}
