import { describe, expect, it } from 'vitest';
import type { ConnectionSource } from '../../src/model/index.js';
import { connectionContract } from '../../src/resolve/bindings.js';
import { exampleTargets } from '../support/example.js';

/**
 * The connection contract on the bundled example: the api's full set of connection variables on each
 * target kind, by name and source. Known answers, written out by hand.
 */
const models = new Map(exampleTargets().filter((target) => target.model).map((target) => [target.name, target.model!]));
const api = (environment: string) => models.get(environment)!.services.find((service) => service.name === 'api')!;
const describeSource = (source: ConnectionSource) => {
  if (source.kind === 'literal') return `= ${source.value}`;
  if (source.kind === 'generated-secret') return `sops ${source.secret}`;
  if (source.kind === 'composed') return `composed ${source.parts.map((part) => ('text' in part ? part.text : `<${part.variable}>`)).join('')}`;
  return `${source.kind} ${source.resource}`;
};
const table = (environment: string) => Object.fromEntries(api(environment).connections.map((variable) => [variable.name, describeSource(variable.source)]));

const composeAnswer = {
  AWS_ACCESS_KEY_ID: 'embedded uploads',
  AWS_BUCKET: '= uploads',
  AWS_DEFAULT_REGION: '= us-east-1',
  AWS_ENDPOINT: 'embedded uploads',
  AWS_SECRET_ACCESS_KEY: 'embedded uploads',
  AWS_USE_PATH_STYLE_ENDPOINT: '= true',
  DATABASE_URL: 'composed postgresql://harbor:<DB_PASSWORD>@<DB_HOST>:5432/harbor',
  DB_HOST: 'embedded database',
  DB_PASSWORD: 'sops DB_PASSWORD',
  DB_PORT: '= 5432',
  REDIS_HOST: 'embedded cache',
  REDIS_PASSWORD: 'sops REDIS_PASSWORD',
  REDIS_PORT: '= 6379',
  REDIS_SCHEME: '= tcp',
  REDIS_URL: 'composed redis://:<REDIS_PASSWORD>@<REDIS_HOST>:6379',
};

describe('the api’s connection variables on every target kind of the example', () => {
  it('Compose on bare metal (northwind-onprem) and on a droplet (pr-preview): embedded stores', () => {
    expect(table('northwind-onprem')).toEqual(composeAnswer);
    expect(table('pr-preview')).toEqual(composeAnswer);
  });

  it('Kubernetes with embedded stores (dev): the same sources as Compose', () => {
    expect(table('dev')).toEqual(composeAnswer);
  });

  it('EKS (eu-prod): addresses from Terraform through Secrets Manager, passwords from SOPS, the bucket by the pod’s role', () => {
    expect(table('eu-prod')).toEqual({
      AWS_ACCESS_KEY_ID: 'workload-identity uploads',
      AWS_BUCKET: 'infrastructure uploads',
      AWS_DEFAULT_REGION: '= eu-central-1',
      AWS_ENDPOINT: '= https://s3.eu-central-1.amazonaws.com',
      AWS_SECRET_ACCESS_KEY: 'workload-identity uploads',
      AWS_USE_PATH_STYLE_ENDPOINT: '= false',
      DATABASE_URL: 'infrastructure database',
      DB_HOST: 'infrastructure database',
      DB_PASSWORD: 'sops DB_PASSWORD',
      DB_PORT: 'infrastructure database',
      REDIS_HOST: 'infrastructure cache',
      REDIS_PASSWORD: 'sops REDIS_PASSWORD',
      REDIS_PORT: 'infrastructure cache',
      REDIS_SCHEME: '= tls',
      REDIS_URL: 'infrastructure cache',
    });
    expect(models.get('eu-prod')!.resources.map((resource) => [resource.name, resource.connection.delivery, resource.connection.outputs])).toEqual([
      ['cache', { kind: 'aws-secrets-manager', secretName: 'eu-prod/cache/connection', kubernetesSecret: 'cache-connection' }, ['host', 'port', 'url']],
      ['database', { kind: 'aws-secrets-manager', secretName: 'eu-prod/database/connection', kubernetesSecret: 'database-connection' }, ['host', 'port', 'url']],
      ['uploads', { kind: 'aws-secrets-manager', secretName: 'eu-prod/uploads/connection', kubernetesSecret: 'uploads-connection' }, ['bucket']],
    ]);
  });

  it('ECS (us-prod): the same variables as EKS, read by the task definitions from Terraform directly', () => {
    expect(table('us-prod')).toEqual({ ...table('eu-prod'), AWS_DEFAULT_REGION: '= us-east-1', AWS_ENDPOINT: '= https://s3.us-east-1.amazonaws.com' });
    expect(models.get('us-prod')!.resources.map((resource) => [resource.name, resource.connection.delivery])).toEqual([
      ['cache', { kind: 'terraform-reference', secretName: 'us-prod/cache/connection' }],
      ['database', { kind: 'terraform-reference', secretName: 'us-prod/database/connection' }],
      ['uploads', { kind: 'terraform-reference', secretName: 'us-prod/uploads/connection' }],
    ]);
  });

  it('DOKS with managed stores (lumen-wl): everything DigitalOcean creates comes from Terraform, in a Secret it writes', () => {
    expect(table('lumen-wl')).toEqual({
      AWS_ACCESS_KEY_ID: 'infrastructure uploads',
      AWS_BUCKET: 'infrastructure uploads',
      AWS_DEFAULT_REGION: '= sfo3',
      AWS_ENDPOINT: 'infrastructure uploads',
      AWS_SECRET_ACCESS_KEY: 'infrastructure uploads',
      AWS_USE_PATH_STYLE_ENDPOINT: '= false',
      DATABASE_URL: 'infrastructure database',
      DB_HOST: 'infrastructure database',
      DB_PASSWORD: 'infrastructure database',
      DB_PORT: 'infrastructure database',
      REDIS_HOST: 'infrastructure cache',
      REDIS_PASSWORD: 'infrastructure cache',
      REDIS_PORT: 'infrastructure cache',
      REDIS_SCHEME: '= tls',
      REDIS_URL: 'infrastructure cache',
    });
  });

  it('the same names everywhere: a service moved between targets sees the same environment, keys set empty where its own role reaches the bucket', () => {
    const names = (environment: string) => Object.keys(table(environment)).sort();
    // Compose's names as pinned above, not as resolved: names lost on every target alike still fail here.
    const everywhere = Object.keys(composeAnswer).sort();
    let judged = 0;
    for (const [name, model] of models) {
      if (!model.services.some((service) => service.name === 'api')) continue;
      judged += 1;
      expect(names(name), name).toEqual(everywhere);
    }
    expect(judged).toBe(models.size);
  });

  it('secret variables never have a literal source', () => {
    for (const model of models.values()) {
      for (const service of model.services) {
        for (const variable of service.connections) if (variable.secret) expect(variable.source.kind, `${model.name} ${service.name} ${variable.name}`).not.toBe('literal');
      }
    }
  });

  it('every contract name is documented in the service schema', async () => {
    const schema = (await import('../../schemas/service.schema.json', { with: { type: 'json' } })).default as unknown as { $defs: Record<string, { properties: Record<string, { properties: Record<string, { propertyNames?: { enum: string[] } }> }> }> };
    const documented = schema.$defs.resourceDependency!.properties.env!.properties.names!.propertyNames!.enum;
    const contract = [...new Set(Object.values(connectionContract).flatMap((entries) => entries.map((entry) => entry.name)))].sort();
    expect([...documented].sort()).toEqual(contract);
  });
});
