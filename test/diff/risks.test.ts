import { afterAll, describe, expect, it } from 'vitest';
import { compareTrees } from '../../src/diff/compare.js';
import { riskRules, type Risk } from '../../src/diff/risks/index.js';
import { fileMap, index, manifest, sops, yaml, type Tree } from './trees.js';

const fired = new Set<string>();

/** The risks between two hand-made trees of one environment `prod` (index entries added). */
function risks(before: Tree, after: Tree, entries: { old?: string; new?: string } = {}): Risk[] {
  const found = compareTrees('test', fileMap({ 'index.json': entries.old ?? index({ name: 'prod' }), ...before }), fileMap({ 'index.json': entries.new ?? index({ name: 'prod' }), ...after })).risks;
  for (const risk of found) fired.add(risk.rule);
  return found;
}
const brief = (found: Risk[]) => found.map((r) => `${r.category} ${r.rule} ${r.file ?? '-'}: ${r.message}`);

const compose = 'environments/prod/compose/docker-compose.yml';
const values = 'environments/prod/helm/api.values.yaml';
const objects = 'environments/prod/k8s/objects.yaml';
const tf = 'environments/prod/terraform/main.tf';
const secretsFile = 'environments/prod/secrets/secrets.sops.yaml';

describe('risk rules (hand-made old and new trees)', () => {
  it('finds nothing when nothing risky changed', () => {
    const tree = { [compose]: yaml({ services: { api: { image: 'api', deploy: { replicas: 2 } } } }) };
    expect(risks(tree, tree)).toEqual([]);
    expect(risks({ [compose]: yaml({ services: { api: { image: 'api:1' } } }) }, { [compose]: yaml({ services: { api: { image: 'api:2' } } }) })).toEqual([]);
  });

  it('policy: a newly blocked target, with why', () => {
    const found = risks({}, {}, { new: index({ name: 'prod', status: 'blocked', reasons: ['license LIC-0042 is revoked'] }) });
    expect(brief(found)).toEqual(['policy newly-blocked -: newly blocked: license LIC-0042 is revoked']);
    expect(risks({}, {}, { old: index({ name: 'prod', status: 'blocked', reasons: ['x'] }), new: index({ name: 'prod', status: 'blocked', reasons: ['x'] }) })).toEqual([]);
  });

  it('data loss: an environment removed from the deploy repository', () => {
    const found = risks({ 'environments/prod/release.json': manifest('prod') }, {}, { new: index() });
    expect(brief(found)).toEqual([expect.stringMatching(/^data-loss environment-removed -: environment removed/)]);
  });

  it('release manifest: a provider or runtime move, a release downgrade', () => {
    const before = { 'environments/prod/release.json': manifest('prod', { release: '2026.11.2' }) };
    expect(brief(risks(before, { 'environments/prod/release.json': manifest('prod', { release: '2026.11.2', provider: 'digitalocean' }) }))).toEqual([
      'data-loss target-moved release.json: provider changes from `aws` to `digitalocean`: resources are re-created, data is not migrated',
    ]);
    expect(brief(risks(before, { 'environments/prod/release.json': manifest('prod', { release: '2026.10.9' }) }))).toEqual([
      'downtime release-downgrade release.json: release goes back from `2026.11.2` to `2026.10.9`: migrations already applied stay applied',
    ]);
    expect(risks(before, { 'environments/prod/release.json': manifest('prod', { release: '2026.11.10' }) })).toEqual([]);
  });

  it('secrets: a secret removed, a new recipient; a rotated value is no risk (and never shown)', () => {
    const found = risks({ [secretsFile]: sops({ APP_KEY: 'aaa', DB_PASSWORD: 'bbb' }) }, { [secretsFile]: sops({ APP_KEY: 'ccc' }, ['age1d3n48n5nde089g77ukcc3azrr4wtfjymfnrctaqtyctv53nw25ssqcldpt', 'age1newkeynewkeynewkeynewkeynewkeynewkeynewkeynewkeynewkey']) });
    expect(brief(found)).toEqual([
      'downtime secret-removed secrets/secrets.sops.yaml: secret `DB_PASSWORD` removed',
      'security secret-recipients-added secrets/secrets.sops.yaml: a new key can decrypt these secrets: `age1newkeyne…newkey`',
    ]);
    expect(JSON.stringify(found)).not.toMatch(/aaa|bbb|ccc|ENC\[/);
  });

  it('debug on, in compose, Helm values and Kubernetes env lists', () => {
    const on = (path: string, doc: unknown) => brief(risks({ [path]: yaml(doc).replace(/true/g, 'false') }, { [path]: yaml(doc) }));
    expect(on(compose, { services: { api: { image: 'api', environment: { APP_DEBUG: 'true' } } } })).toEqual([expect.stringMatching(/^security debug-on compose\/docker-compose\.yml: `APP_DEBUG` is on/)]);
    expect(on(compose, { services: { api: { image: 'api', environment: ['APP_DEBUG=true'] } } })).toHaveLength(1);
    expect(on(values, { env: { APP_DEBUG: true } })).toEqual([expect.stringMatching(/^security debug-on helm\/api\.values\.yaml/)]);
    expect(on(objects, { kind: 'Deployment', spec: { template: { spec: { containers: [{ env: [{ name: 'APP_DEBUG', value: 'true' }] }] } } } })).toHaveLength(1);
  });

  it('compose: services and volumes removed or redefined, a single replica, a new published port', () => {
    const before = yaml({
      services: { db: { image: 'postgres:16' }, worker: { image: 'ghcr.io/x/worker' }, api: { image: 'api', deploy: { replicas: 3 }, ports: ['127.0.0.1:8080:80'] } },
      volumes: { pgdata: {}, uploads: { driver: 'local' } },
    });
    const after = yaml({
      services: { api: { image: 'api', deploy: { replicas: 1 }, ports: ['127.0.0.1:8080:80', '0.0.0.0:5432:5432/tcp', { target: 443, published: 443 }] } },
      volumes: { uploads: { driver: 'nfs' } },
    });
    expect(brief(risks({ [compose]: before }, { [compose]: after }))).toEqual([
      'data-loss compose-service-removed compose/docker-compose.yml: stateful service `db` (`postgres:16`) removed',
      'data-loss compose-volume-removed compose/docker-compose.yml: volume `pgdata` removed',
      'data-loss compose-volume-removed compose/docker-compose.yml: volume `uploads` redefined (name, driver or external changed): a new, empty volume replaces it',
      'downtime compose-service-removed compose/docker-compose.yml: service `worker` removed',
      'downtime compose-single-replica compose/docker-compose.yml: service `api` goes from 3 replicas to 1',
      'security compose-new-published-port compose/docker-compose.yml: service `api` newly publishes port `0.0.0.0:5432` on the host',
      'security compose-new-published-port compose/docker-compose.yml: service `api` newly publishes port `443` on the host',
    ]);
  });

  it('compose: names that are also built-in object properties are compared as names', () => {
    const before = yaml({ services: { constructor: { image: 'ghcr.io/x/constructor' }, api: { image: 'api' } }, volumes: { toString: {} } });
    const after = yaml({ services: { api: { image: 'api' } } });
    expect(brief(risks({ [compose]: before }, { [compose]: after }))).toEqual([
      'data-loss compose-volume-removed compose/docker-compose.yml: volume `toString` removed',
      'downtime compose-service-removed compose/docker-compose.yml: service `constructor` removed',
    ]);
  });

  it('compose: a stateful image that changes major version (and not a minor one, nor a stateless image)', () => {
    const tree = (db: string, api: string) => ({ [compose]: yaml({ services: { db: { image: db }, api: { image: api } } }) });
    expect(brief(risks(tree('postgres:16.6-alpine', 'api:1.0'), tree('postgres:17.2-alpine', 'api:2.0')))).toEqual([
      'data-loss compose-engine-major-change compose/docker-compose.yml: service `db` goes from `postgres:16.6-alpine` to `postgres:17.2-alpine`, a major version change: back up and migrate the data first',
    ]);
    expect(risks(tree('postgres:16.4', 'api:1.0'), tree('postgres:16.6', 'api:1.0'))).toEqual([]);
  });

  it('Helm values and Kubernetes objects: down to one replica, Recreate, new public endpoints', () => {
    const before = yaml({ replicaCount: 3, autoscaling: { minReplicas: 2 }, strategy: { type: 'RollingUpdate' }, ingress: { enabled: true, hosts: [{ host: 'app.example.com' }] } });
    const after = yaml({ replicaCount: 1, autoscaling: { minReplicas: 1 }, strategy: { type: 'Recreate' }, ingress: { enabled: true, hosts: [{ host: 'app.example.com' }, { host: 'admin.example.com' }] } });
    expect(brief(risks({ [values]: before }, { [values]: after }))).toEqual([
      'downtime helm-recreate-strategy helm/api.values.yaml: strategy becomes `Recreate`: all pods stop before new ones start',
      'downtime helm-single-replica helm/api.values.yaml: `autoscaling.minReplicas` goes from 2 to 1',
      'downtime helm-single-replica helm/api.values.yaml: `replicaCount` goes from 3 to 1',
      'security public-endpoint helm/api.values.yaml: new public endpoint `admin.example.com`',
    ]);
    // The shape of Slipway's own application chart values.
    const chart = (replicas: number, strategy: string, host: string) => yaml({ replicas, autoscaling: { enabled: false, minReplicas: 1 }, strategy, ingress: { enabled: host !== '', host } });
    expect(brief(risks({ [values]: chart(2, 'rolling', '') }, { [values]: chart(1, 'recreate', 'eu.example.com') }))).toEqual([
      'downtime helm-recreate-strategy helm/api.values.yaml: strategy becomes `Recreate`: all pods stop before new ones start',
      'downtime helm-single-replica helm/api.values.yaml: `replicas` goes from 2 to 1',
      'security public-endpoint helm/api.values.yaml: new public endpoint `eu.example.com`',
    ]);
    const service = '---\nkind: Service\nmetadata: {name: api}\nspec: {type: ClusterIP}\n';
    expect(brief(risks({ [objects]: service }, { [objects]: `${service.replace('ClusterIP', 'LoadBalancer')}---\nkind: Ingress\nspec: {rules: [{host: x.example.com}]}\n` }))).toEqual([
      'security public-endpoint k8s/objects.yaml: new public endpoint `api (LoadBalancer)`',
      'security public-endpoint k8s/objects.yaml: new public endpoint `x.example.com`',
    ]);
  });

  it('Terraform: stateful resources removed or replaced, an engine major upgrade, a wider CIDR', () => {
    const before = `
resource "aws_db_instance" "main" {
  identifier     = "prod-db"
  engine         = "postgres"
  engine_version = "15.4"
  tags = { note = "braces { in strings } are skipped" }
}
resource "aws_s3_bucket" "uploads" {
  bucket = "prod-uploads"
}
resource "digitalocean_database_cluster" "cache" {
  engine  = "redis"
  version = "7"
}
resource "aws_security_group_rule" "https" {
  cidr_blocks = ["10.0.0.0/24"]
}
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
`;
    const after = `
resource "aws_db_instance" "main" {
  identifier     = "prod-db-2"
  engine         = "postgres"
  engine_version = "16.1" # comment with a } brace
}
resource "digitalocean_database_cluster" "cache" {
  engine  = "redis"
  version = "7"
}
resource "aws_security_group_rule" "https" {
  cidr_blocks = ["10.0.0.0/16", "10.0.0.0/25"]
}
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/24"
}
resource "aws_security_group_rule" "admin" {
  cidr_blocks = ["0.0.0.0/0"]
}
`;
    expect(brief(risks({ [tf]: before }, { [tf]: after }))).toEqual([
      'data-loss terraform-engine-major-change terraform/main.tf: `aws_db_instance.main` engine version `15.4` → `16.1` is a major upgrade; take a backup, it cannot be rolled back',
      'data-loss terraform-stateful-resource-removed terraform/main.tf: `aws_s3_bucket.uploads` removed: terraform apply destroys it and its data',
      'data-loss terraform-stateful-resource-replaced terraform/main.tf: `aws_db_instance.main` is replaced: `identifier` changes from `prod-db` to `prod-db-2`',
      'security terraform-cidr-widened terraform/main.tf: `aws_security_group_rule.admin` now admits `0.0.0.0/0`',
      'security terraform-cidr-widened terraform/main.tf: `aws_security_group_rule.https` now admits `10.0.0.0/16` (was `10.0.0.0/24`)',
    ]);
    expect(brief(risks({ [tf]: before.replace('"7"', '"6"') }, { [tf]: before.replace('"7"', '"7"') }))).toEqual([
      'data-loss terraform-engine-major-change terraform/main.tf: `digitalocean_database_cluster.cache` engine version `6` → `7` is a major upgrade; take a backup, it cannot be rolled back',
    ]);
  });

  it('keeps values from rendered files from breaking out of a message (backticks, pipes, markup)', () => {
    const found = risks({ [compose]: yaml({ services: { 'a`|<b>': { image: 'x' } } }) }, { [compose]: yaml({ services: {} }) });
    expect(found[0]!.message).toBe('service `ab` removed');
  });

  afterAll(() => {
    // Every rule in the registry is exercised above.
    expect(riskRules.map((rule) => rule.id).filter((id) => !fired.has(id))).toEqual([]);
  });
});
