import { describe, expect, it } from 'vitest';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { previewEnvironment, validateSourceTree } from '../../src/compile.js';
import { generateEnvironment } from '../../src/generate/index.js';
import { mermaidBlocks, mermaidProblems } from '../../test/runbook/mermaid-check.js';
import { repositoryRoot } from '../../test/support/tree.js';
import { escapeMarkdownCell } from '../../src/core/templates.js';
import { stepIds, type PlanAction, type ProvisioningPlan } from './index.js';

const now = new Date('2026-11-20T00:00:00Z');
const example = validateSourceTree({ root: repositoryRoot, now });
const models = new Map(example.targets.filter((t) => t.model).map((t) => [t.name, t.model!]));
const model = (name: string): ResolvedEnvironment => {
  const found = models.get(name);
  if (!found) throw new Error(`the example has no environment ${name}`);
  return found;
};
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
/** The runbook's files, rendered by the engine after every generator it lists. */
const runbookFiles = (environment: ResolvedEnvironment) => generateEnvironment(environment).filter((file) => file.generator.name === 'runbook');
const rendered = (environment: ResolvedEnvironment) => new Map(runbookFiles(environment).map((file) => [file.path, decode(file.bytes)]));
const planOf = (name: string): ProvisioningPlan => JSON.parse(rendered(model(name)).get('plan.json')!) as ProvisioningPlan;
const step = (plan: ProvisioningPlan, id: string): PlanAction[] => plan.steps.find((s) => s.id === id)!.actions;
const commands = (actions: PlanAction[]) => actions.flatMap((action) => (action.command ? [action.command.join(' ')] : []));
const allCommands = (plan: ProvisioningPlan) => plan.steps.flatMap((s) => commands(s.actions));
const allFiles = (plan: ProvisioningPlan) => new Set(plan.steps.flatMap((s) => s.actions.flatMap((action) => action.files ?? [])));
const text = (actions: PlanAction[]) => actions.map((action) => action.description).join('\n');

describe('the runbook of every example environment', () => {
  it('covers every environment of the example', () => {
    expect(example.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(models.size).toBe(example.targets.length);
    expect(models.size).toBeGreaterThanOrEqual(16);
  });

  it.each([...models.keys()])('%s: plan.json has the ten steps in order, each with actions', (name) => {
    const plan = planOf(name);
    expect(plan).toMatchObject({ apiVersion: 'slipway.dev/v1', kind: 'ProvisioningPlan', environment: name, release: model(name).release.version, mode: model(name).mode, runtime: model(name).runtime });
    expect(plan.steps.map((s) => s.id)).toEqual([
      'allocate-target',
      'validate-runtime',
      'inject-secrets',
      'run-migrations',
      'seed-foundation-data',
      'activate-license',
      'bind-release',
      'run-health-checks',
      'lock-installer',
      'record-audit-event',
    ]);
    expect(plan.steps.map((s) => s.id)).toEqual(stepIds);
    expect(plan.steps.map((s) => s.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const s of plan.steps) {
      expect(s.title, s.id).not.toBe('');
      expect(s.actions.length, s.id).toBeGreaterThan(0);
      for (const action of s.actions) {
        expect(action.description.trim(), s.id).not.toBe('');
        expect(action.description, s.id).not.toMatch(/undefined|\[object|NaN/);
        if (action.command) expect(action.command.length, s.id).toBeGreaterThan(0);
        for (const file of action.files ?? []) expect(file).toMatch(/^(?!\/)(?!.*\.\.)[a-z0-9][A-Za-z0-9._+/-]*$/);
      }
    }
    expect(plan.blockReasons).toBeUndefined();
  });

  it.each([...models.keys()])('%s: plan.md holds the ten steps and README.md a sane Mermaid graph of every service and resource', (name) => {
    const files = rendered(model(name));
    expect([...files.keys()].sort()).toEqual(['README.md', 'plan.json', 'plan.md']);
    const plan = JSON.parse(files.get('plan.json')!) as ProvisioningPlan;
    const headings = [...files.get('plan.md')!.matchAll(/^## (\d+)\. (.+)$/gm)].map((m) => `${m[1]}. ${m[2]}`);
    expect(headings).toEqual(plan.steps.map((s) => `${s.number}. ${s.title}`));
    for (const document of ['README.md', 'plan.md']) {
      const blocks = mermaidBlocks(files.get(document)!);
      expect(blocks, document).toHaveLength(1);
      expect(mermaidProblems(blocks[0]!), document).toEqual([]);
    }
    const chart = mermaidBlocks(files.get('README.md')!)[0]!;
    const environment = model(name);
    for (const service of environment.services) expect(chart).toContain(`["${service.name}: ${service.role}"]`);
    for (const resource of environment.resources) expect(chart).toMatch(new RegExp(`\\[\\("${resource.name}: [^"]*, ${resource.managed ? 'managed' : 'embedded'}"\\)\\]`));
    const edges = environment.services.reduce((count, service) => count + service.dependsOn.length + service.usesResources.length, 0);
    expect(chart.match(/ --> /g) ?? []).toHaveLength(edges);
    expect(plan.graph.edges).toHaveLength(edges);
  });

  it('renders byte-identical files from two separate compiles of the same tree', () => {
    const again = validateSourceTree({ root: repositoryRoot, now });
    for (const target of again.targets) {
      const first = runbookFiles(model(target.name));
      const second = runbookFiles(target.model!);
      expect(second.map((f) => [f.path, decode(f.bytes)]), target.name).toEqual(first.map((f) => [f.path, decode(f.bytes)]));
    }
  });
});

describe('what runs differs by target kind', () => {
  it('EKS (eu-prod): Terraform creates the cluster and managed stores, Flux applies Helm values, migrations run as a Helm hook', () => {
    const plan = planOf('eu-prod');
    const allocate = step(plan, 'allocate-target');
    expect(commands(allocate)).toEqual(expect.arrayContaining(['terraform -chdir=terraform init', 'terraform -chdir=terraform apply', 'aws eks update-kubeconfig --name eu-prod --region eu-central-1']));
    expect(text(allocate)).toMatch(/terraform apply in terraform\/ creates the Amazon EKS cluster eu-prod \(Kubernetes 1\.30\) in eu-central-1/);
    expect(text(allocate)).toContain('Amazon RDS for PostgreSQL, db.r6g.xlarge, highly available');
    expect(text(allocate)).toContain('CloudFront with AWS WAF');
    expect(commands(step(plan, 'validate-runtime'))).toContain('flux check');
    expect(step(plan, 'run-migrations').find((a) => a.command?.join(' ') === 'php artisan migrate --force')).toMatchObject({ files: ['helm/api.values.yaml'] });
    expect(text(step(plan, 'run-migrations'))).toContain('Helm pre-install/pre-upgrade hook Job');
    expect(commands(step(plan, 'seed-foundation-data'))).toEqual(['php artisan db:seed --class=FoundationSeeder --force']);
    expect(text(step(plan, 'activate-license'))).toBe('No license: SaaS');
    expect(commands(step(plan, 'bind-release'))).toContain('kubectl apply --kustomize k8s');
    expect(text(step(plan, 'bind-release'))).toContain(model('eu-prod').release.images.api);
    expect(commands(step(plan, 'run-health-checks'))).toContain('curl --fail --silent --show-error --max-time 10 https://eu.harbor.example.com/nginx-health');
    expect(text(step(plan, 'inject-secrets'))).toContain("Flux's kustomize-controller decrypts the SOPS-encrypted secrets of k8s/");
    expect(allCommands(plan).some((c) => c.startsWith('ansible') || c.startsWith('docker compose'))).toBe(false);
  });

  it('ECS (us-prod): Terraform registers task definitions; blue-green through CodeDeploy; ECS waits for steady services', () => {
    const plan = planOf('us-prod');
    expect(text(step(plan, 'allocate-target'))).toContain('the Amazon ECS cluster us-prod on Fargate in us-east-1');
    expect(text(step(plan, 'bind-release'))).toMatch(/blue-green through CodeDeploy for api/);
    expect(commands(step(plan, 'bind-release'))).toContain('terraform -chdir=terraform apply');
    expect(commands(step(plan, 'run-health-checks'))).toContain('aws ecs wait services-stable --cluster us-prod --services api frontend scheduler websocket nginx worker --region us-east-1');
    expect(text(step(plan, 'run-migrations'))).toContain('one-off Fargate task');
    expect(allCommands(plan).some((c) => c.startsWith('kubectl') || c.startsWith('helm'))).toBe(false);
  });

  it('bare metal (northwind-onprem): Ansible installs Compose, embedded stores, the signed bundle installs, license activated', () => {
    const plan = planOf('northwind-onprem');
    const allocate = step(plan, 'allocate-target');
    expect(commands(allocate)).toContain('ansible-playbook --inventory ansible/inventory.yml ansible/playbook.yml');
    expect(text(allocate)).toMatch(/Embedded PostgreSQL 16 database: a container of compose\/docker-compose\.yml with a named volume, 200Gi storage/);
    expect(allCommands(plan).some((c) => c.startsWith('terraform') || c.startsWith('kubectl'))).toBe(false);
    expect(commands(step(plan, 'bind-release'))).toEqual(
      expect.arrayContaining([
        'unzip bundle/northwind-onprem-2026.11.2.zip -d bundle',
        'bash bundle/install.sh --manifest release.json --signature release.json.sig --zip bundle/northwind-onprem-2026.11.2.zip',
        '/opt/slipway/northwind-onprem/current/update.sh release.json release.json.sig bundle/northwind-onprem-2026.11.2.zip',
      ]),
    );
    expect(text(step(plan, 'run-migrations'))).toContain('update.sh turns maintenance mode on and backs up');
    expect(text(step(plan, 'activate-license'))).toContain('Activate license LIC-0107');
    expect(commands(step(plan, 'activate-license'))).toEqual(['license-heartbeat status', 'update-client healthcheck']);
    expect(text(step(plan, 'inject-secrets'))).toContain("the host's environment variable HARBOR_MAIL_PASSWORD");
    expect(text(step(plan, 'lock-installer'))).toContain('install.sh is not run again');
  });

  it('Compose on cloud hosts: Terraform creates the host; the update agent applies the bundle, on a self-hosted target and a SaaS preview alike', () => {
    const globex = planOf('globex-aws');
    expect(text(step(globex, 'allocate-target'))).toContain('an Amazon EC2 host for Docker Compose');
    expect(allFiles(globex)).toContain(`bundle/globex-aws-${model('globex-aws').release.version}.zip`);
    const preview = planOf('pr-preview');
    expect(text(step(preview, 'allocate-target'))).toContain('a DigitalOcean Droplet for Docker Compose');
    // The bundle generator renders one for every Compose target the update agent keeps current; the runbook says how it is applied.
    const bundle = `bundle/pr-preview-${model('pr-preview').release.version}.zip`;
    expect(commands(step(preview, 'bind-release'))).toContain(`unzip ${bundle} -d bundle`);
    expect(allFiles(preview)).toContain(bundle);
    expect(commands(step(preview, 'validate-runtime'))).toContain('docker compose --file compose/docker-compose.yml config --quiet');
  });

  it('says how infrastructure-held secrets reach the pods: an ExternalSecret on AWS, a Terraform variable to set on DigitalOcean', () => {
    const euProd = planOf('eu-prod');
    expect(commands(step(euProd, 'validate-runtime'))).toContain('kubectl get crd externalsecrets.external-secrets.io secretstores.external-secrets.io');
    expect(text(step(euProd, 'inject-secrets'))).toMatch(/MAIL_PASSWORD for api, reports, worker: the ExternalSecret infra-secrets brings it from AWS Secrets Manager arn:aws:secretsmanager:/);
    const lumen = planOf('lumen-wl');
    expect(text(step(lumen, 'inject-secrets'))).toContain('set TF_VAR_infra_mail_password to the value kept at DigitalOcean tenants/lumen/smtp-password before terraform apply');
    expect(commands(step(lumen, 'validate-runtime')).some((command) => command.includes('external-secrets'))).toBe(false);
  });

  it('enterprise and white-label: dedicated VPC, SSO, private storage, AI gateway; branding and billing instead of a license', () => {
    const contoso = planOf('contoso-private');
    expect(text(step(contoso, 'allocate-target'))).toContain('a dedicated VPC 10.42.0.0/16');
    expect(text(step(contoso, 'allocate-target'))).toContain('private: no public access');
    expect(text(step(contoso, 'bind-release'))).toMatch(/Private AI gateway ghcr\.io\/harbor-labs\/ai-gateway/);
    expect(text(step(contoso, 'bind-release'))).toContain('Single sign-on: SAML');
    expect(commands(step(contoso, 'validate-runtime'))).toContain('kubectl --namespace argocd rollout status deployment/argocd-server');
    expect(text(step(contoso, 'inject-secrets'))).toContain('HashiCorp Vault secret/data/contoso/harbor/smtp#password');
    const lumen = planOf('lumen-wl');
    expect(text(step(lumen, 'activate-license'))).toContain('No license: white-label tenant hosted by us, billed through BILLING_ACCOUNT');
    expect(text(step(lumen, 'bind-release'))).toContain('Branding: Lumen Desk');
    expect(text(step(lumen, 'allocate-target'))).toContain('DigitalOcean Managed PostgreSQL');
  });

  it('embedded stores on Kubernetes (dev) are drawn and described as embedded', () => {
    const plan = planOf('dev');
    expect(plan.graph.nodes.filter((node) => node.kind === 'resource').every((node) => node.kind === 'resource' && !node.managed)).toBe(true);
    expect(text(step(plan, 'allocate-target'))).toContain('Embedded PostgreSQL');
    expect(rendered(model('dev')).get('README.md')).toContain('class r_cache,r_database,r_uploads embedded');
  });

  it('a blocked target keeps its plan with the reasons, for `slipway plan`', () => {
    const blocked = example.targets.find((t) => t.status === 'blocked')!;
    const plan = JSON.parse(decode(previewEnvironment(blocked).files!.find((file) => file.path === 'plan.json')!.bytes)) as ProvisioningPlan;
    expect(plan.blockReasons).toEqual(blocked.blockReasons.map(({ cause, message }) => ({ cause, message })));
    expect(plan.steps).toHaveLength(10);
  });
});

describe('the connections of the runbook', () => {
  it.each([...models.keys()])('%s: every variable a service receives is listed once, with every service receiving it from that source', (name) => {
    const environment = model(name);
    const plan = planOf(name);
    const listed = plan.connections.flatMap((entry) => entry.services.map((service) => `${service} ${entry.variable}`));
    const received = environment.services.flatMap((service) => service.connections.map((variable) => `${service.name} ${variable.name}`));
    expect(listed.sort()).toEqual([...new Set(received)].sort());
    const keys = plan.connections.map((entry) => `${entry.variable} ${entry.resource} ${entry.from}`);
    expect(new Set(keys).size, 'one entry per variable and source').toBe(keys.length);
    for (const entry of plan.connections) expect(entry.services, entry.variable).toEqual([...entry.services].sort());
  });

  it('groups the services sharing a database under one line per variable, in plan.md and the README too', () => {
    const plan = planOf('eu-prod');
    const host = plan.connections.filter((entry) => entry.variable === 'DB_HOST');
    expect(host).toHaveLength(1);
    expect(host[0]!.services.length).toBeGreaterThan(1);
    const files = rendered(model('eu-prod'));
    for (const path of ['plan.md', 'README.md']) {
      const rows = files.get(path)!.split('\n').filter((line) => line.startsWith('| DB\\_HOST |'));
      expect(rows, path).toEqual([`| DB\\_HOST | ${escapeMarkdownCell(host[0]!.from)} | ${host[0]!.services.map(escapeMarkdownCell).join(', ')} |`]);
    }
  });
});
