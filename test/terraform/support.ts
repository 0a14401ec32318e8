import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { NestedBlocks, renderFile, type Body, type HclFile } from '../../src/core/hcl/index.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { hclFile } from '../../generators/infrastructure-shared/terraform.js';
import { awsTerraform } from '../../generators/terraform-aws/index.js';
import { digitalOceanTerraform } from '../../generators/terraform-digitalocean/index.js';
import { exampleTargets } from '../support/example.js';
import { repositoryRoot } from '../support/tree.js';
import { callArgumentText, hclValues } from '../wiring/hcl-expression.js';
import { parseTerraform } from '../wiring/terraform-catalogue.js';

export function exampleModel(name: string): ResolvedEnvironment {
  const target = exampleTargets().find((candidate) => candidate.name === name);
  if (!target?.model) throw new Error(`no model for ${name}`);
  return target.model;
}

/** The Terraform files of a target as syntax trees, keyed by file name. */
export function terraformTrees(environment: ResolvedEnvironment): Map<string, HclFile> {
  const module = environment.provider === 'aws' ? awsTerraform(environment) : digitalOceanTerraform(environment);
  return new Map(module.files.map((file) => [file.name, hclFile(environment, file)]));
}

/** HashiCorp's parser's view of one rendered file. */
export async function parsed(file: HclFile, name = 'main.tf'): Promise<Record<string, unknown>> {
  return (await parse(name, renderFile(file))) as Record<string, unknown>;
}

/** Every file's parse merged by block kind: `{ resource: { type: { name: [body] } } }`. */
export async function parsedModule(environment: ResolvedEnvironment): Promise<Record<string, any>> {
  return parseTerraform([...terraformTrees(environment)].map(([name, file]) => ({ name, text: renderFile(file) })));
}

const exampleModules = new Map<string, Promise<Record<string, any>>>();

/**
 * `parsedModule` of an example target as it stands, parsed once per test file. Read it, never
 * change it; a test that edits the model parses its copy with `parsedModule`.
 */
export function exampleModule(name: string): Promise<Record<string, any>> {
  let module = exampleModules.get(name);
  if (!module) {
    module = parsedModule(exampleModel(name));
    exampleModules.set(name, module);
  }
  return module;
}

/**
 * The argument of a one-argument call such as `jsonencode({...})`, as HashiCorp's parser reads it:
 * the parser gives a call as its source text, so the argument is handed back to it on its own,
 * where object and tuple constructors become JSON and expressions `${…}` strings.
 */
export async function callArgument(parsedValue: unknown, fn: string): Promise<any> {
  const text = callArgumentText(parsedValue, fn);
  if (text === undefined) throw new Error(`not a ${fn}(…) call: ${String(parsedValue)}`);
  const [value] = await hclValues([text]);
  return value;
}

export function resourceOf(module: Record<string, any>, type: string, name: string): Record<string, any> {
  const body = module.resource?.[type]?.[name]?.[0];
  if (!body) throw new Error(`no ${type}.${name}`);
  return body;
}

export function resourcesOf(module: Record<string, any>, type: string): Record<string, any> {
  return module.resource?.[type] ?? {};
}

interface ProviderList {
  metaArguments: string[];
  lifecycleArguments: string[];
  resources: Record<string, { arguments: string[] }>;
  dataSources: Record<string, { arguments: string[] }>;
}

export function providerList(provider: 'aws' | 'digitalocean' | 'kubernetes'): ProviderList {
  return JSON.parse(readFileSync(join(repositoryRoot, 'test', 'fixtures', 'providers', `${provider}.json`), 'utf8')) as ProviderList;
}

/** The lists of every provider a target's configuration uses: its cloud's, and on DigitalOcean the Kubernetes provider's (the connection Secrets). */
export function providerListFor(environment: ResolvedEnvironment): ProviderList {
  if (environment.provider === 'aws') return providerList('aws');
  const [cloud, kubernetes] = [providerList('digitalocean'), providerList('kubernetes')];
  return { ...cloud, resources: { ...cloud.resources, ...kubernetes.resources }, dataSources: { ...cloud.dataSources, ...kubernetes.dataSources } };
}

/**
 * Every name a resource or data block uses that its provider's documented arguments do not hold,
 * as `kind type path` strings (empty when all are real).
 */
export function unknownArguments(file: HclFile, list: ProviderList): string[] {
  const problems: string[] = [];
  const visit = (body: Body, allowed: Set<string>, path: string, topLevel: boolean) => {
    for (const [name, value] of Object.entries(body)) {
      if (value === undefined) continue;
      const here = `${path}.${name}`;
      if (topLevel && name === 'lifecycle' && value instanceof NestedBlocks) {
        for (const nested of value.bodies) for (const key of Object.keys(nested)) if (!list.lifecycleArguments.includes(key)) problems.push(`${here}.${key}`);
        continue;
      }
      if (!(allowed.has(name) || (topLevel && list.metaArguments.includes(name)))) problems.push(here);
      if (value instanceof NestedBlocks) for (const nested of value.bodies) visit(nested, allowed, here, false);
    }
  };
  for (const block of file.blocks) {
    if (block.type !== 'resource' && block.type !== 'data') continue;
    const [type = '', name = ''] = block.labels;
    const entry = (block.type === 'resource' ? list.resources : list.dataSources)[type];
    if (!entry) {
      problems.push(`${block.type} ${type} (not in the list)`);
      continue;
    }
    visit(block.body, new Set(entry.arguments), `${block.type} ${type}.${name}`, true);
  }
  return problems;
}
