import { fixtureText, sub } from './support.js';

export interface CorpusCase {
  name: string;
  /** Files replacing (or, with null, removing) those of the `minimal` fixture tree. */
  files: Record<string, string | null>;
  expect: { code: string; file: string; line: number; column: number };
  message?: RegExp;
  exitCode?: number;
}

const original = (path: string) => fixtureText(path, 'minimal');
const prod = original('environments/prod.yaml');
const api = JSON.parse(original('services/api/service.json')) as Record<string, unknown>;
const apiJson = (changes: Record<string, unknown>) => JSON.stringify({ ...api, ...changes }, null, 2);
const onprem = original('environments/onprem.yaml');
const release = original('releases/1.0.0.yaml');
const target = original('policies/target-policy.yaml');
/** The fixture's service files as written, so positions can be read off them (see test/fixtures/minimal). */
const apiText = original('services/api/service.json');
const workerText = original('services/worker/service.json');


export const corpus: CorpusCase[] = [
  {
    name: 'misspelt environment key, with a suggestion',
    files: { 'environments/prod.yaml': prod.replace('region:', 'regoin:') },
    expect: { code: 'unknown-key', file: 'environments/prod.yaml', line: 8, column: 1 },
    message: /did you mean "region"/,
  },
  {
    name: 'wrong enum value for runtime',
    files: { 'environments/prod.yaml': prod.replace('runtime: kubernetes', 'runtime: kubernetis') },
    expect: { code: 'invalid-value', file: 'environments/prod.yaml', line: 6, column: 10 },
    message: /did you mean "kubernetes"/,
  },
  {
    name: 'duplicate key',
    files: { 'environments/prod.yaml': `${prod}tier: staging\n` },
    expect: { code: 'duplicate-key', file: 'environments/prod.yaml', line: 13, column: 1 },
  },
  {
    name: 'YAML syntax error',
    files: { 'environments/prod.yaml': prod.replace('region: eu-west-1', 'region: [eu-west-1') },
    expect: { code: 'yaml-syntax', file: 'environments/prod.yaml', line: 9, column: 1 },
  },
  {
    name: 'missing required key is reported at the mapping',
    files: { 'environments/prod.yaml': prod.replace('tier: production\n', '') },
    expect: { code: 'missing-key', file: 'environments/prod.yaml', line: 2, column: 1 },
    message: /"tier"/,
  },
  {
    name: 'release that does not exist',
    files: { 'environments/prod.yaml': prod.replace('release: "1.0.0"', 'release: "1.0.1"') },
    expect: { code: 'unknown-release', file: 'environments/prod.yaml', line: 9, column: 10 },
  },
  {
    name: 'environment name differs from its file name',
    files: { 'environments/prod.yaml': prod.replace('name: prod', 'name: production') },
    expect: { code: 'name-mismatch', file: 'environments/prod.yaml', line: 2, column: 7 },
  },
  {
    name: 'dependency cycle',
    files: {
      'services/worker/service.json': JSON.stringify({ ...JSON.parse(original('services/worker/service.json')), dependencies: { services: ['api'] } }, null, 2),
    },
    expect: { code: 'dependency-cycle', file: 'services/api/service.json', line: 9, column: 18 },
    message: /api → worker → api/,
  },
  {
    name: 'APP_DEBUG on in production through an override',
    files: { 'environments/prod.yaml': `${prod}overrides:\n  services:\n    api:\n      env:\n        APP_DEBUG: "true"\n` },
    expect: { code: 'debug-in-production', file: 'environments/prod.yaml', line: 17, column: 20 },
  },
  {
    name: 'plaintext secret in service env',
    files: { 'services/api/service.json': apiJson({ env: { APP_ENV: 'production', DB_PASSWORD: 'hunter2hunter2' } }) },
    expect: { code: 'plaintext-secret', file: 'services/api/service.json', line: 14, column: 20 },
  },
  {
    name: 'health check names an unknown port',
    files: { 'services/api/service.json': apiJson({ health: { path: '/healthz', port: 'htp' } }) },
    expect: { code: 'unknown-port', file: 'services/api/service.json', line: 40, column: 13 },
    message: /did you mean "http"/,
  },
  // ---------------------------------------------------------------------------------------------
  // Schema findings in environment files. Unless noted, appended blocks start at line 13 of prod.yaml.
  {
    name: 'unknown key nested in an override (overrides.services.api.scailng)',
    files: { 'environments/prod.yaml': `${prod}overrides:\n  services:\n    api:\n      scailng:\n        min: 3\n` },
    expect: { code: 'unknown-key', file: 'environments/prod.yaml', line: 16, column: 7 },
    message: /did you mean "scaling"/,
  },
  {
    name: 'environment name that is not a DNS label',
    files: { 'environments/prod.yaml': sub(prod, 'name: prod', 'name: Prod_1') },
    expect: { code: 'invalid-value', file: 'environments/prod.yaml', line: 2, column: 7 },
    message: /"Prod_1"/,
  },
  {
    name: 'misspelt tier, with a suggestion',
    files: { 'environments/prod.yaml': sub(prod, 'tier: production', 'tier: producton') },
    expect: { code: 'invalid-value', file: 'environments/prod.yaml', line: 4, column: 7 },
    message: /did you mean "production"/,
  },
  {
    name: 'age recipient that is not an age public key',
    files: { 'environments/prod.yaml': `${prod}secrets:\n  recipients:\n    - age1short\n` },
    expect: { code: 'invalid-value', file: 'environments/prod.yaml', line: 15, column: 7 },
    message: /"age1short"/,
  },
  {
    name: 'infraSecrets value that is a secret, not a reference',
    files: { 'environments/prod.yaml': `${prod}infraSecrets:\n  MAIL_PASSWORD: hunter2\n` },
    expect: { code: 'invalid-value', file: 'environments/prod.yaml', line: 14, column: 18 },
  },
  {
    name: 'backup schedule that is not a five-field cron',
    files: { 'environments/prod.yaml': sub(prod, 'schedule: "0 2 * * *"', 'schedule: "0 2 * *"') },
    expect: { code: 'invalid-value', file: 'environments/prod.yaml', line: 11, column: 13 },
  },
  {
    name: 'domain that is not a host name',
    files: { 'environments/prod.yaml': `${prod}domain: "shop_eu!.example.com"\n` },
    expect: { code: 'invalid-value', file: 'environments/prod.yaml', line: 13, column: 9 },
  },
  {
    name: 'runtimeVersion written as a number',
    files: { 'environments/prod.yaml': sub(prod, 'runtimeVersion: "1.30"', 'runtimeVersion: 1.30') },
    expect: { code: 'invalid-type', file: 'environments/prod.yaml', line: 7, column: 17 },
  },
  {
    name: 'retentionDays given as a string',
    files: { 'environments/prod.yaml': sub(prod, 'retentionDays: 30', 'retentionDays: "thirty"') },
    expect: { code: 'invalid-type', file: 'environments/prod.yaml', line: 12, column: 18 },
  },
  {
    name: 'services given as a string instead of a list',
    files: { 'environments/prod.yaml': `${prod}services: api\n` },
    expect: { code: 'invalid-type', file: 'environments/prod.yaml', line: 13, column: 11 },
  },
  {
    name: 'missing key in a nested mapping is reported at that mapping',
    files: { 'environments/prod.yaml': sub(prod, '  retentionDays: 30\n', '') },
    expect: { code: 'missing-key', file: 'environments/prod.yaml', line: 11, column: 3 },
    message: /"retentionDays"/,
  },
  {
    name: 'env var name that is not one (db-host) in an override',
    files: { 'environments/prod.yaml': `${prod}overrides:\n  services:\n    api:\n      env:\n        db-host: db.internal\n` },
    expect: { code: 'invalid-name', file: 'environments/prod.yaml', line: 17, column: 9 },
    message: /"db-host"/,
  },
  {
    name: 'service name key in overrides that is not a DNS label',
    files: { 'environments/prod.yaml': `${prod}overrides:\n  services:\n    API:\n      scaling: {min: 3}\n` },
    expect: { code: 'invalid-name', file: 'environments/prod.yaml', line: 15, column: 5 },
    message: /"API"/,
  },
  {
    name: 'duplicate key in a nested mapping',
    files: { 'environments/prod.yaml': `${prod}  schedule: "0 4 * * *"\n` },
    expect: { code: 'duplicate-key', file: 'environments/prod.yaml', line: 13, column: 3 },
    message: /"schedule"/,
  },
  {
    name: 'unknown key in a policy file, with a suggestion',
    files: { 'policies/target-policy.yaml': sub(target, 'revokedLicenses:', 'revokedLicences:') },
    expect: { code: 'unknown-key', file: 'policies/target-policy.yaml', line: 2, column: 1 },
    message: /did you mean "revokedLicenses"/,
  },

  // ---------------------------------------------------------------------------------------------
  // Schema findings in service.json (positions read off the original file's layout, see the fixture).
  {
    name: 'misspelt top-level key in service.json',
    files: { 'services/api/service.json': sub(apiText, '"scaling":', '"scalling":') },
    expect: { code: 'unknown-key', file: 'services/api/service.json', line: 12, column: 3 },
    message: /did you mean "scaling"/,
  },
  {
    name: 'misspelt key inside a port entry',
    files: { 'services/api/service.json': sub(apiText, '"expose": "public"', '"expsoe": "public"') },
    expect: { code: 'unknown-key', file: 'services/api/service.json', line: 5, column: 45 },
    message: /did you mean "expose"/,
  },
  {
    name: 'service name that is not a DNS label',
    files: { 'services/api/service.json': sub(apiText, '"name": "api"', '"name": "API"') },
    expect: { code: 'invalid-value', file: 'services/api/service.json', line: 2, column: 11 },
  },
  {
    name: 'unknown role',
    files: { 'services/api/service.json': sub(apiText, '"role": "api"', '"role": "backend"') },
    expect: { code: 'invalid-value', file: 'services/api/service.json', line: 3, column: 11 },
    message: /"api", "frontend"/,
  },
  {
    name: 'port number out of range',
    files: { 'services/api/service.json': sub(apiText, '"port": 8080', '"port": 70000') },
    expect: { code: 'invalid-value', file: 'services/api/service.json', line: 5, column: 39 },
    message: /65535/,
  },
  {
    name: 'unknown resource type',
    files: { 'services/api/service.json': sub(apiText, '"type": "postgres"', '"type": "postgresql"') },
    expect: { code: 'invalid-value', file: 'services/api/service.json', line: 10, column: 49 },
    message: /did you mean "postgres"/,
  },
  {
    // JSON Schema calls "integer" a type, so a fractional number is a type error here.
    name: 'fractional gpu count',
    files: { 'services/api/service.json': sub(apiText, '  "ports":', '  "resources": { "gpu": 0.5 },\n  "ports":') },
    expect: { code: 'invalid-type', file: 'services/api/service.json', line: 5, column: 25 },
    message: /integer/,
  },
  {
    name: 'missing image in service.json is reported at the top-level mapping',
    files: { 'services/api/service.json': sub(apiText, '  "image": "ghcr.io/example/api",\n', '') },
    expect: { code: 'missing-key', file: 'services/api/service.json', line: 1, column: 1 },
    message: /"image"/,
  },
  {
    name: 'secret name that is not an env var name',
    files: { 'services/api/service.json': sub(apiText, '{ "APP_KEY": {', '{ "app_key": {') },
    expect: { code: 'invalid-name', file: 'services/api/service.json', line: 7, column: 16 },
    message: /"app_key"/,
  },
  {
    name: 'duplicate key in service.json',
    files: { 'services/api/service.json': sub(apiText, '  "role": "api",\n', '  "role": "api",\n  "role": "worker",\n') },
    expect: { code: 'duplicate-key', file: 'services/api/service.json', line: 4, column: 3 },
    message: /"role"/,
  },
  {
    name: 'JSON syntax error (missing comma) in service.json',
    files: { 'services/api/service.json': sub(apiText, '"role": "api",', '"role": "api"') },
    expect: { code: 'json-syntax', file: 'services/api/service.json', line: 4, column: 3 },
  },
  {
    name: 'secret spec with both generate and from',
    files: { 'services/api/service.json': sub(apiText, '{ "generate": "laravel-app-key" }', '{ "generate": "random", "from": "infra" }') },
    expect: { code: 'invalid-value', file: 'services/api/service.json', line: 7, column: 27 },
    message: /exactly one of these forms: generated secret \{generate, length\?\}; infrastructure secret \{from: infra\}/,
  },
  {
    name: 'secret spec with neither generate nor from',
    files: { 'services/api/service.json': sub(apiText, '{ "generate": "laravel-app-key" }', '{ "length": 40 }') },
    // `length` belongs to the generated form only, so that form is the one reported.
    expect: { code: 'missing-key', file: 'services/api/service.json', line: 7, column: 27 },
    message: /"generate"/,
  },
  {
    name: 'health check with a misspelt key',
    files: { 'services/api/service.json': sub(apiText, '"port": "http" }', '"prot": "http" }') },
    expect: { code: 'unknown-key', file: 'services/api/service.json', line: 13, column: 35 },
    message: /did you mean "port"/,
  },

  // ---------------------------------------------------------------------------------------------
  // Names and references.
  {
    name: 'service name differs from its folder',
    files: { 'services/worker/service.json': sub(workerText, '"name": "worker"', '"name": "workers"') },
    expect: { code: 'name-mismatch', file: 'services/worker/service.json', line: 2, column: 11 },
    message: /"services\/worker"/,
  },
  {
    name: 'release version differs from its file name',
    files: { 'releases/1.0.0.yaml': sub(release, 'version: "1.0.0"', 'version: "1.0.1"') },
    expect: { code: 'name-mismatch', file: 'releases/1.0.0.yaml', line: 1, column: 10 },
  },
  {
    name: 'environment lists a service that does not exist',
    files: { 'environments/prod.yaml': `${prod}services:\n  - api\n  - worker\n  - wrker\n` },
    expect: { code: 'unknown-service', file: 'environments/prod.yaml', line: 16, column: 5 },
    message: /did you mean "worker"/,
  },
  {
    name: 'override for a service that does not exist is reported at its key',
    files: { 'environments/prod.yaml': `${prod}overrides:\n  services:\n    apii:\n      scaling: {min: 3}\n` },
    expect: { code: 'unknown-service', file: 'environments/prod.yaml', line: 15, column: 5 },
    message: /did you mean "api"/,
  },
  {
    name: 'dependency on a service that does not exist',
    files: { 'services/api/service.json': sub(apiText, '"services": ["worker"]', '"services": ["wroker"]') },
    expect: { code: 'unknown-service', file: 'services/api/service.json', line: 9, column: 18 },
    message: /did you mean "worker"/,
  },
  {
    name: 'release image for a service that does not exist',
    files: { 'releases/1.0.0.yaml': sub(release, 'migrations:', '  frontend: ghcr.io/example/frontend:1.0\nmigrations:') },
    expect: { code: 'unknown-service', file: 'releases/1.0.0.yaml', line: 5, column: 3 },
  },
  {
    name: 'release migration for a service that does not exist',
    files: { 'releases/1.0.0.yaml': `${release}  wrker: { version: "1", backwardCompatible: true }\n` },
    expect: { code: 'unknown-service', file: 'releases/1.0.0.yaml', line: 7, column: 3 },
    message: /did you mean "worker"/,
  },
  {
    name: 'resource settings for a resource no service uses',
    files: { 'environments/prod.yaml': `${prod}resources:\n  databse:\n    managed: true\n` },
    expect: { code: 'unknown-resource', file: 'environments/prod.yaml', line: 14, column: 3 },
    message: /did you mean "database"/,
  },
  {
    name: 'alerting ref that names no infraSecrets entry',
    files: { 'environments/prod.yaml': `${prod}infraSecrets:\n  PAGERDUTY_KEY: vault:secret/pagerduty\nmonitoring:\n  alerting:\n    receiver: pagerduty\n    ref: PAGERDUTY_KEE\n` },
    expect: { code: 'unknown-infra-secret', file: 'environments/prod.yaml', line: 18, column: 10 },
    message: /did you mean "PAGERDUTY_KEY"/,
  },
  {
    name: 'billing accountRef that names no infraSecrets entry',
    files: {
      'environments/prod.yaml': `${prod}whiteLabel:\n  brand:\n    name: Acme\n    primaryColor: "#112233"\n    logoUrl: https://acme.example/logo.svg\n  billing:\n    isolated: true\n    accountRef: BILLING_ACCOUNT\n`,
    },
    expect: { code: 'unknown-infra-secret', file: 'environments/prod.yaml', line: 20, column: 17 },
    message: /BILLING_ACCOUNT/,
  },
  {
    name: 'secret {from: infra} that the environment does not provide is reported at infraSecrets',
    files: {
      'services/api/service.json': sub(apiText, '"APP_KEY": { "generate": "laravel-app-key" }', '"APP_KEY": { "generate": "laravel-app-key" }, "MAIL_PASSWORD": { "from": "infra" }'),
      'environments/prod.yaml': `${prod}infraSecrets:\n  OTHER: env:OTHER\n`,
    },
    expect: { code: 'unknown-infra-secret', file: 'environments/prod.yaml', line: 14, column: 3 },
    message: /MAIL_PASSWORD/,
  },
  {
    name: 'metrics endpoint names an undeclared port',
    files: {
      'services/api/service.json': sub(apiText, '"port": "http" }', '"port": "http" },\n  "monitoring": { "metrics": { "path": "/metrics", "port": "metrics" } }'),
    },
    expect: { code: 'unknown-port', file: 'services/api/service.json', line: 14, column: 60 },
    message: /declared ports: http/,
  },
  {
    name: 'environment deploys a service without what it depends on',
    files: { 'environments/prod.yaml': `${prod}services: [api]\n` },
    expect: { code: 'missing-dependency', file: 'environments/prod.yaml', line: 13, column: 11 },
    message: /"worker"/,
  },
  {
    name: 'release has no image for a deployed service',
    files: { 'releases/1.0.0.yaml': release.replace(/^  worker: .*\n/m, '') },
    expect: { code: 'missing-image', file: 'environments/prod.yaml', line: 9, column: 10 },
    message: /images\.worker/,
  },

  // ---------------------------------------------------------------------------------------------
  // Rules across files.
  {
    name: 'three-service dependency cycle, printed in full',
    files: {
      'services/worker/service.json': sub(workerText, '"dependencies": {', '"dependencies": { "services": ["queue"],'),
      'services/queue/service.json': '{\n  "name": "queue",\n  "role": "worker",\n  "image": "ghcr.io/example/queue",\n  "dependencies": { "services": ["api"] }\n}\n',
    },
    expect: { code: 'dependency-cycle', file: 'services/api/service.json', line: 9, column: 18 },
    message: /api → worker → queue → api/,
  },
  {
    name: 'one resource name with two types',
    files: { 'services/worker/service.json': sub(workerText, '"type": "postgres"', '"type": "mysql"') },
    expect: { code: 'resource-conflict', file: 'services/worker/service.json', line: 7, column: 65 },
    message: /"database" is a mysql here but a postgres in service "api"/,
  },
  {
    name: 'runtime the provisioning policy does not allow for the mode and provider',
    files: { 'environments/prod.yaml': sub(prod, 'runtime: kubernetes', 'runtime: compose') },
    expect: { code: 'provisioning-not-allowed', file: 'environments/prod.yaml', line: 6, column: 10 },
  },
  {
    name: 'provider the provisioning policy does not allow for the mode',
    files: { 'environments/prod.yaml': sub(sub(prod, 'mode: saas', 'mode: enterprise'), 'provider: aws', 'provider: digitalocean') },
    expect: { code: 'provisioning-not-allowed', file: 'environments/prod.yaml', line: 5, column: 11 },
  },
  {
    name: 'APP_DEBUG on in production through the service env',
    files: { 'services/api/service.json': sub(apiText, '"APP_DEBUG": "false"', '"APP_DEBUG": "true"') },
    expect: { code: 'debug-in-production', file: 'services/api/service.json', line: 6, column: 50 },
  },
  {
    name: 'APP_DEBUG on in a self-hosted production override',
    files: { 'environments/onprem.yaml': `${onprem}overrides:\n  services:\n    worker:\n      env:\n        APP_DEBUG: "1"\n` },
    expect: { code: 'debug-in-production', file: 'environments/onprem.yaml', line: 15, column: 20 },
  },
  {
    name: 'plaintext secret: a …SECRET name in service env',
    files: { 'services/api/service.json': sub(apiText, '"APP_ENV": "production"', '"STRIPE_SECRET": "sk_live_x"') },
    expect: { code: 'plaintext-secret', file: 'services/api/service.json', line: 6, column: 29 },
  },
  {
    name: 'plaintext secret: a …TOKEN name in an override',
    files: { 'environments/prod.yaml': `${prod}overrides:\n  services:\n    api:\n      env:\n        GITHUB_TOKEN: ghp_abc\n` },
    expect: { code: 'plaintext-secret', file: 'environments/prod.yaml', line: 17, column: 23 },
  },
  {
    name: 'plaintext secret: a …_KEY name in service env',
    files: { 'services/api/service.json': sub(apiText, '"APP_ENV": "production"', '"AWS_ACCESS_KEY": "AKIAEXAMPLE"') },
    expect: { code: 'plaintext-secret', file: 'services/api/service.json', line: 6, column: 30 },
  },
  {
    name: 'plaintext secret: a name containing PRIVATE in an override',
    files: { 'environments/prod.yaml': `${prod}overrides:\n  services:\n    worker:\n      env:\n        SSH_PRIVATE_PATH: /etc/ssh/id\n` },
    expect: { code: 'plaintext-secret', file: 'environments/prod.yaml', line: 17, column: 27 },
  },
  {
    name: 'tag-only image in a release that production deploys',
    files: { 'releases/1.0.0.yaml': release.replace(/^  api: .*$/m, '  api: ghcr.io/example/api:1.0.0') },
    expect: { code: 'unpinned-image', file: 'releases/1.0.0.yaml', line: 3, column: 8 },
    message: /@sha256/,
  },
  {
    name: 'service with ports and no health check',
    files: { 'services/api/service.json': sub(apiText, ',\n  "health": { "path": "/healthz", "port": "http" }', '') },
    expect: { code: 'missing-health-check', file: 'services/api/service.json', line: 5, column: 3 },
  },
  {
    name: 'saas production api with one replica through an override',
    files: { 'environments/prod.yaml': `${prod}overrides:\n  services:\n    api:\n      scaling:\n        min: 1\n` },
    expect: { code: 'replica-count', file: 'environments/prod.yaml', line: 17, column: 14 },
    message: /at least 2/,
  },
  {
    name: 'saas production api with one replica in service.json',
    files: { 'services/api/service.json': sub(apiText, '"min": 2', '"min": 1') },
    expect: { code: 'replica-count', file: 'services/api/service.json', line: 12, column: 23 },
  },
  {
    name: 'scheduler allowed to scale to two replicas',
    files: {
      'services/worker/service.json': sub(sub(workerText, '"role": "worker"', '"role": "scheduler"'), '"type": "postgres" }] }', '"type": "postgres" }] },\n  "scaling": { "min": 1, "max": 2 }'),
    },
    expect: { code: 'replica-count', file: 'services/worker/service.json', line: 8, column: 33 },
    message: /exactly one replica/,
  },
  {
    name: 'backward-incompatible migration deployed rolling on kubernetes',
    files: { 'releases/1.0.0.yaml': sub(release, 'backwardCompatible: true', 'backwardCompatible: false') },
    expect: { code: 'incompatible-migration', file: 'releases/1.0.0.yaml', line: 6, column: 60 },
    message: /"prod"/,
  },

  // ---------------------------------------------------------------------------------------------
  // Files.
  {
    name: 'environment file ending in .yml',
    files: { 'environments/staging.yml': sub(prod, 'name: prod', 'name: staging') },
    expect: { code: 'file-name', file: 'environments/staging.yml', line: 1, column: 1 },
    message: /\.yaml/,
  },
  {
    name: 'environment file over the size limit',
    files: { 'environments/huge.yaml': `name: huge\n# ${'x'.repeat(1536 * 1024)}\n` },
    expect: { code: 'file-too-large', file: 'environments/huge.yaml', line: 1, column: 1 },
    message: /MiB/,
  },
  {
    name: 'blue-green on a Compose target is a warning, not an error',
    files: { 'services/api/service.json': apiJson({ deployment: { strategy: 'blue-green' } }) },
    expect: { code: 'compose-blue-green', file: 'environments/onprem.yaml', line: 5, column: 10 },
    exitCode: 0,
  },
  {
    name: 'an Argo CD target with no deploy repository to pull from (a warning until build)',
    files: { 'environments/prod.yaml': `${prod}reconciler: argocd\n` },
    expect: { code: 'deploy-repo-required', file: 'environments/prod.yaml', line: 13, column: 13 },
    exitCode: 0,
  },
  {
    name: 'a deploy repository with Kubernetes targets and no branch: reconcilers and publish could disagree (a warning)',
    files: { 'slipway.yaml': 'deployRepo: https://git.example.com/platform/deploy.git\n' },
    expect: { code: 'deploy-branch-unset', file: 'slipway.yaml', line: 1, column: 13 },
    exitCode: 0,
  },
  {
    name: 'an embedded database version Slipway has no pinned image for (a warning until build)',
    files: { 'services/api/service.json': apiText.replace('"version": "16"', '"version": "11"') },
    expect: { code: 'unsupported-version', file: 'services/api/service.json', line: 10, column: 72 },
    exitCode: 0,
  },
  {
    name: 'a managed resource on a Compose target, which nothing would wire into the services',
    files: { 'environments/onprem.yaml': `${onprem}resources:\n  database: { managed: true }\n` },
    expect: { code: 'unwired-resource', file: 'environments/onprem.yaml', line: 12, column: 24 },
    message: /managed: false/,
  },
  {
    name: 'two resources of one type giving a service the same connection variables',
    files: {
      'services/api/service.json': sub(apiText, '"version": "16" }]', '"version": "16" }, { "name": "reports", "type": "postgres", "version": "16" }]'),
    },
    expect: { code: 'connection-name-clash', file: 'services/api/service.json', line: 10, column: 90 },
    message: /"prefix": "REPORTS_"/,
  },
  {
    name: 'a connection rename to a name the contract does not have',
    files: { 'services/api/service.json': sub(apiText, '"version": "16" }]', '"version": "16", "env": { "names": { "DB_HOSTNAME": "PGHOST" } } }]') },
    expect: { code: 'invalid-name', file: 'services/api/service.json', line: 10, column: 98 },
  },
  {
    name: 'an infra secret a Kubernetes pod would read from a host variable it does not have',
    files: {
      'services/api/service.json': sub(apiText, '"secrets": {', '"secrets": { "MAIL_PASSWORD": { "from": "infra" },'),
      'environments/prod.yaml': `${prod}infraSecrets:\n  MAIL_PASSWORD: env:SMTP_PASSWORD\n`,
    },
    expect: { code: 'unwired-infra-secret', file: 'environments/prod.yaml', line: 14, column: 18 },
    message: /arn:aws:secretsmanager: or vault:/,
  },
];
