import { describe, expect, it } from 'vitest';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { serviceEnvironment } from '../../generators/helm-values/connections.js';
import { infraSecretName } from '../../generators/helm-values/secret-names.js';
import { cloneModel } from '../support/clone.js';
import { exampleModel, exampleModule, parsedModule, resourceOf, resourcesOf } from './support.js';

/**
 * The Secret `infra-secrets` on DigitalOcean Kubernetes, read back through HashiCorp's parser: on
 * AWS an ExternalSecret makes it, but DigitalOcean has no secret manager External Secrets can read,
 * so Terraform writes the `do:` infraSecrets the pods read from sensitive input variables. Expected
 * values are written out by hand.
 */

const ref = (text: string) => `\${${text}}`;
const description = (name: string, reference: string, variable: string) =>
  `${name}: the value of ${reference}, supplied at apply time (TF_VAR_${variable}); never stored in the deploy repository`;

/** Every key the chart's pods read from `infra-secrets` (the Helm values' side of the contract). */
function keysPodsRead(environment: ResolvedEnvironment): string[] {
  const keys = environment.services.flatMap((service) => serviceEnvironment(environment, service).secretEnv.filter((entry) => entry.secretName === infraSecretName).map((entry) => entry.key));
  return [...new Set(keys)].sort();
}

/** The variables whose names say they carry an infra secret. */
function infraVariables(module: Record<string, any>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(module.variable ?? {}).filter(([name]) => name.startsWith('infra_')));
}

describe('DigitalOcean + Kubernetes: infra-secrets written by Terraform from sensitive variables', () => {
  const expected = {
    'lumen-wl': { MAIL_PASSWORD: 'do:tenants/lumen/smtp-password' },
    dev: { MAIL_PASSWORD: 'do:harbor/dev/mailtrap-password' },
  };

  for (const [name, references] of Object.entries(expected)) {
    it(`${name}: Secret infra-secrets in the namespace, one key per do: infraSecret the pods read, each from its variable`, async () => {
      const environment = exampleModel(name);
      const module = await exampleModule(name);
      expect(environment.infrastructure.namespace).toBe(name);
      expect(resourceOf(module, 'kubernetes_namespace_v1', 'main').metadata).toEqual([{ name }]);
      expect(resourceOf(module, 'kubernetes_secret_v1', 'infra_secrets')).toEqual({
        metadata: [{ name: 'infra-secrets', namespace: ref('kubernetes_namespace_v1.main.metadata[0].name'), labels: { 'app.kubernetes.io/managed-by': 'terraform' } }],
        type: 'Opaque',
        data: { MAIL_PASSWORD: ref('var.infra_mail_password') },
      });
      expect(infraVariables(module)).toEqual({
        infra_mail_password: [{ description: description('MAIL_PASSWORD', references.MAIL_PASSWORD, 'infra_mail_password'), type: ref('string'), sensitive: true }],
      });
      expect(keysPodsRead(environment)).toEqual(['MAIL_PASSWORD']);
    });
  }

  // lumen-wl and staging get the provider for their connection Secrets too (test/terraform/connections.test.ts); dev for infra-secrets alone.
  it("dev (no managed store): the do: infraSecrets alone bring the Kubernetes provider, the cluster's own and pinned", async () => {
    const module = await exampleModule('dev');
    expect(exampleModel('dev').resources.filter((resource) => resource.managed)).toEqual([]);
    expect(module.provider.kubernetes).toEqual([
      {
        host: ref('digitalocean_kubernetes_cluster.main.endpoint'),
        token: ref('digitalocean_kubernetes_cluster.main.kube_config[0].token'),
        cluster_ca_certificate: ref('base64decode(digitalocean_kubernetes_cluster.main.kube_config[0].cluster_ca_certificate)'),
      },
    ]);
    const versions = module.terraform.find((block: Record<string, unknown>) => block.required_providers).required_providers[0];
    expect(versions.kubernetes).toEqual({ source: 'hashicorp/kubernetes', version: '2.38.0' });
  });

  it('lumen-wl: infraSecrets no pod reads (the billing account, the alert key) get no key and no variable', async () => {
    const environment = exampleModel('lumen-wl');
    expect(Object.keys(environment.secrets.infraReferences)).toEqual(['BILLING_ACCOUNT', 'MAIL_PASSWORD', 'OPSGENIE_API_KEY']);
    const module = await exampleModule('lumen-wl');
    expect(Object.keys(resourceOf(module, 'kubernetes_secret_v1', 'infra_secrets').data)).toEqual(['MAIL_PASSWORD']);
    expect(Object.keys(infraVariables(module))).toEqual(['infra_mail_password']);
  });

  it('the Secret holds exactly the keys the pods read from it, on every DOKS target of the example', async () => {
    // staging declares SLACK_WEBHOOK_URL as a do: reference too, but no pod reads it.
    const answer = { dev: ['MAIL_PASSWORD'], 'lumen-wl': ['MAIL_PASSWORD'], staging: ['MAIL_PASSWORD'] };
    for (const [name, keys] of Object.entries(answer)) {
      expect(keysPodsRead(exampleModel(name)), name).toEqual(keys);
      expect(Object.keys(resourceOf(await exampleModule(name), 'kubernetes_secret_v1', 'infra_secrets').data).sort(), name).toEqual(keys);
    }
    expect(Object.keys(exampleModel('staging').secrets.infraReferences)).toContain('SLACK_WEBHOOK_URL');
  });

  it('no value is ever rendered: every variable is sensitive, has no default, and the data only refers to them', async () => {
    for (const name of ['dev', 'lumen-wl', 'staging']) {
      const module = await exampleModule(name);
      for (const [variable, [body]] of Object.entries(infraVariables(module)) as Array<[string, Array<Record<string, unknown>>]>) {
        expect(body, `${name} ${variable}`).toMatchObject({ sensitive: true, type: ref('string') });
        expect(body!.default, `${name} ${variable}`).toBeUndefined();
      }
      for (const value of Object.values(resourceOf(module, 'kubernetes_secret_v1', 'infra_secrets').data)) expect(value).toMatch(/^\$\{var\.infra_[a-z0-9_]+\}$/);
    }
  });

  it('a name a connection variable takes over is not read from infra-secrets, so it gets no key', async () => {
    const environment = cloneModel(exampleModel('lumen-wl'));
    for (const service of environment.services) {
      const password = service.connections.find((variable) => variable.name === 'DB_PASSWORD');
      if (password && service.secretNames.includes('MAIL_PASSWORD')) service.connections.push({ ...password, name: 'MAIL_PASSWORD' });
    }
    expect(keysPodsRead(environment)).toEqual([]);
    const module = await parsedModule(environment);
    expect(resourcesOf(module, 'kubernetes_secret_v1').infra_secrets).toBeUndefined();
    expect(infraVariables(module)).toEqual({});
  });

  it('vault:, env: and Secrets Manager references on DOKS are not written (nor asked for) here', async () => {
    const environment = cloneModel(exampleModel('staging'));
    const references = ['vault:secret/data/harbor/mail#password', 'env:MAIL_PASSWORD', 'arn:aws:secretsmanager:us-east-1:111122223333:secret:harbor/mail-Ab12Cd'];
    for (const reference of references) {
      environment.secrets.infra = environment.secrets.infra.map((secret) => ({ ...secret, reference }));
      const module = await parsedModule(environment);
      expect(resourcesOf(module, 'kubernetes_secret_v1').infra_secrets, reference).toBeUndefined();
      expect(infraVariables(module), reference).toEqual({});
    }
  });

  it('a DOKS target with neither managed stores nor do: infraSecrets gets no Kubernetes provider, namespace or Secret', async () => {
    const environment = cloneModel(exampleModel('dev'));
    environment.secrets.infra = environment.secrets.infra.map((secret) => ({ ...secret, reference: 'vault:secret/data/harbor/dev#mail' }));
    const module = await parsedModule(environment);
    expect(module.provider.kubernetes).toBeUndefined();
    expect(module.terraform.find((block: Record<string, unknown>) => block.required_providers).required_providers[0].kubernetes).toBeUndefined();
    expect(resourcesOf(module, 'kubernetes_secret_v1')).toEqual({});
    expect(resourcesOf(module, 'kubernetes_namespace_v1')).toEqual({});
  });

  it('Compose droplets with do: infraSecrets (pr-preview, initech-do, stark-onprem) get none of it: the host reads them', async () => {
    for (const name of ['pr-preview', 'initech-do', 'stark-onprem']) {
      const environment = exampleModel(name);
      expect(environment.infrastructure.compute.platform, name).toBe('droplet');
      expect(Object.values(environment.secrets.infraReferences).some((reference) => reference.startsWith('do:')), name).toBe(true);
      const module = await exampleModule(name);
      expect(module.provider.kubernetes, name).toBeUndefined();
      expect(resourcesOf(module, 'kubernetes_secret_v1'), name).toEqual({});
      expect(infraVariables(module), name).toEqual({});
    }
  });
});
