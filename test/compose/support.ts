import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { readyModels } from '../support/example.js';
import { fixturesDir, repositoryRoot } from '../support/tree.js';

/** The ready Compose targets of the bundled example, by name. */
export function exampleComposeModels(root = repositoryRoot): Map<string, ResolvedEnvironment> {
  return readyModels('compose', root);
}

let compiled: ValidateFunction | undefined;
/** The Compose Specification schema (draft-07), copied under test/fixtures/compose-spec. */
export function composeSpecValidator(): ValidateFunction {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(join(fixturesDir, 'compose-spec', 'compose-spec.json'), 'utf8')) as Record<string, unknown>;
    delete schema.$schema; // "https://json-schema.org/draft-07/schema" without "#": ajv's draft-07 is the default anyway
    compiled = new Ajv({ strict: false, allErrors: true }).compile(schema);
  }
  return compiled;
}

type Doc = Record<string, any>;

/**
 * What the schema cannot check: every depends_on target, named volume, network and env file a
 * service names is defined (or is a path inside the release folder), and depends_on has no cycle.
 */
export function crossReferenceProblems(document: Doc): string[] {
  const problems: string[] = [];
  const services: Record<string, Doc> = document.services ?? {};
  const volumes = new Set(Object.keys(document.volumes ?? {}));
  const networks = new Set(Object.keys(document.networks ?? {}));
  for (const [name, service] of Object.entries(services)) {
    const dependsOn = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
    for (const target of dependsOn) {
      if (!(target in services)) problems.push(`${name}: depends_on ${target}, which is not a service`);
      if (target === name) problems.push(`${name}: depends on itself`);
    }
    for (const volume of service.volumes ?? []) {
      const source = typeof volume === 'string' ? volume.split(':')[0]! : (volume.source as string);
      const named = !/^[./~]/.test(source);
      if (named && !volumes.has(source)) problems.push(`${name}: volume ${source} is not defined`);
      if (!named && (source.startsWith('/') || source.split('/').includes('..'))) problems.push(`${name}: bind mount ${source} leaves the release folder`);
    }
    const serviceNetworks = Array.isArray(service.networks) ? service.networks : Object.keys(service.networks ?? {});
    for (const network of serviceNetworks) if (!networks.has(network)) problems.push(`${name}: network ${network} is not defined`);
    for (const file of service.env_file ?? []) {
      const path = typeof file === 'string' ? file : (file.path as string);
      if (path.startsWith('/') || path.split('/').includes('..')) problems.push(`${name}: env_file ${path} leaves the release folder`);
    }
  }
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (name: string, path: string[]): void => {
    if (done.has(name) || !(name in services)) return;
    if (visiting.has(name)) {
      problems.push(`depends_on cycle: ${[...path, name].join(' -> ')}`);
      return;
    }
    visiting.add(name);
    for (const next of Object.keys(services[name]!.depends_on ?? {})) visit(next, [...path, name]);
    visiting.delete(name);
    done.add(name);
  };
  for (const name of Object.keys(services)) visit(name, []);
  return problems;
}
