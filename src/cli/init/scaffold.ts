import { Document, isPair, isScalar, visit } from 'yaml';
import { textBytes } from '../../core/serialize.js';
import { template } from '../../core/templates.js';
import { PINNED_VERSIONS, publishWorkflow, reviewWorkflow, shardedPublishWorkflow, type Workflow } from './workflows.js';

export type ScaffoldRuntime = 'kubernetes' | 'compose' | 'ecs';
export const SCAFFOLD_RUNTIMES: readonly ScaffoldRuntime[] = ['compose', 'ecs', 'kubernetes'];

export const SERVICE = 'app';
export const RELEASE = '0.1.0';
/** Where keygen's private keys go: git-ignored, beside `npm start`'s development keys. */
export const PRIVATE_KEYS_DIR = '.slipway/keys';
export const RELEASE_PUBLIC_KEY = 'keys/release.pub.pem';

export interface ScaffoldOptions {
  runtimes: readonly ScaffoldRuntime[];
  deployRepo?: string;
  /** `OWNER/REPO@REF` of the Slipway action the workflows call. */
  action: string;
  /** From keygen: trusted in keys/ and added to the secrets policy. Absent with `--no-keys`. */
  keys?: { publicKeyPem: string; ageRecipient: string };
  /** `--shards N`: the publish workflow builds the fleet in N shares on N runners, then merges them. */
  shards?: number;
}

/**
 * A target per runtime, each a combination the default provisioning policy allows, at the staging
 * tier: production would need an attestation and digest-pinned images on day one, which a new
 * project cannot truthfully have.
 */
const TARGETS: Record<ScaffoldRuntime, { name: string; fields: Record<string, unknown> }> = {
  kubernetes: { name: 'kubernetes-staging', fields: { mode: 'saas', tier: 'staging', provider: 'digitalocean', runtime: 'kubernetes', runtimeVersion: '1.30', region: 'fra1' } },
  compose: { name: 'compose-staging', fields: { mode: 'self-hosted', tier: 'staging', provider: 'bare-metal', runtime: 'compose', runtimeVersion: '2.24', backups: { schedule: '0 3 * * *', retentionDays: 14 } } },
  ecs: { name: 'ecs-staging', fields: { mode: 'saas', tier: 'staging', provider: 'aws', runtime: 'ecs', region: 'eu-west-1' } },
};

export const environmentName = (runtime: ScaffoldRuntime) => TARGETS[runtime].name;

/**
 * The path from a file of the tree to the schemas of the Slipway package installed beside it
 * (`npm i -D slipway`), so editors find them without network access.
 */
const schemaPath = (depth: number, name: string) => `${'../'.repeat(depth) || './'}node_modules/slipway/schemas/${name}.schema.json`;
const modeline = (depth: number, name: string) => ` yaml-language-server: $schema=${schemaPath(depth, name)}`;

/** YAML from data through the `yaml` serialiser, in the order given (a person reads these), with comments above. */
export function yamlDocument(data: unknown, comments: string[]): Uint8Array {
  const document = new Document(data);
  document.commentBefore = comments.join('\n');
  // Pinned actions carry their version as a comment, as Dependabot and reviewers expect.
  visit(document, {
    Pair(_, pair) {
      if (isPair(pair) && isScalar(pair.key) && pair.key.value === 'uses' && isScalar(pair.value)) {
        const version = PINNED_VERSIONS[String(pair.value.value)];
        if (version) pair.value.comment = ` ${version}`;
      }
    },
  });
  return textBytes(document.toString({ lineWidth: 0 }));
}

/** JSON in the order written (name first, as people read a service), by the JSON serialiser. */
const orderedJson = (value: unknown) => textBytes(`${JSON.stringify(value, null, 2)}\n`);

const workflowBytes = (workflow: Workflow) => yamlDocument(workflow.document, workflow.header);

/** Every file of the new source tree, by path. The same options give the same bytes. */
export function scaffoldFiles(options: ScaffoldOptions): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const runtimes = SCAFFOLD_RUNTIMES.filter((runtime) => options.runtimes.includes(runtime));

  const settings: Record<string, unknown> = {};
  if (options.deployRepo) settings.deployRepo = options.deployRepo;
  settings.reconciler = 'flux';
  files.set(
    'slipway.yaml',
    yamlDocument(settings, [
      modeline(0, 'slipway'),
      ' Project settings. `slipway publish` commits to deployRepo when --to is not given.',
      ...(options.deployRepo ? [] : [' deployRepo: github:OWNER/REPO   # the deploy repository Flux or Argo CD pulls from']),
      // Unset, publish follows the deploy repository's own default branch (main on GitHub, master for a plain git init --bare).
      ' branch: main   # the branch publish commits to and reconcilers follow; unset: the repository\'s default branch',
    ]),
  );

  files.set(
    `services/${SERVICE}/service.json`,
    orderedJson({
      $schema: schemaPath(2, 'service'),
      name: SERVICE,
      description: 'Your application: replace the image, ports and health check with its own',
      role: 'api',
      image: 'ghcr.io/example/app',
      ports: [{ name: 'http', port: 8080, expose: 'public' }],
      env: { LOG_LEVEL: 'info' },
      secrets: { SESSION_SECRET: { generate: 'random', length: 40 } },
      dependencies: { resources: [{ name: 'database', type: 'postgres', version: '16' }] },
      resources: { cpu: '250m', memory: '256Mi' },
      scaling: { min: 1, max: 3, targetCpuPercent: 70 },
      health: { path: '/healthz', port: 'http' },
    }),
  );

  for (const runtime of runtimes) {
    const { name, fields } = TARGETS[runtime];
    files.set(`environments/${name}.yaml`, yamlDocument({ name, ...fields, release: RELEASE }, [modeline(1, 'environment'), ` One deployment target (${runtime}). The file name is its name.`]));
  }

  files.set(
    `releases/${RELEASE}.yaml`,
    yamlDocument({ version: RELEASE, images: { [SERVICE]: `ghcr.io/example/app:${RELEASE}` } }, [modeline(1, 'release'), ' The images a release binds. Production targets need them pinned: image@sha256:<digest>.']),
  );

  files.set(
    'policies/target-policy.yaml',
    yamlDocument({ runtimes: { kubernetes: { minVersion: '1.29' }, compose: { minVersion: '2.20' }, ecs: {} }, revokedLicenses: [], revokedReleases: [] }, [
      modeline(1, 'target-policy'),
      ' Which runtimes (and versions) targets may run; licenses and releases that block a target.',
    ]),
  );
  files.set(
    'policies/provisioning-policy.yaml',
    yamlDocument(
      {
        allowed: {
          saas: { aws: ['kubernetes', 'ecs'], digitalocean: ['kubernetes', 'compose'] },
          'self-hosted': { 'bare-metal': ['compose'], aws: ['compose'], digitalocean: ['compose'] },
          'white-label': { aws: ['kubernetes'], digitalocean: ['kubernetes'] },
          enterprise: { aws: ['kubernetes', 'ecs'] },
        },
        backupRequired: { modes: ['self-hosted', 'enterprise'], tiers: ['production'] },
      },
      [modeline(1, 'provisioning-policy'), ' mode -> provider -> runtimes that may be provisioned; who must declare backups.'],
    ),
  );
  files.set(
    'policies/secrets-policy.yaml',
    yamlDocument({ recipients: options.keys ? [options.keys.ageRecipient] : [], generated: { minLength: 32 } }, [
      modeline(1, 'secrets-policy'),
      ' age public keys every secrets file is encrypted to (slipway keygen prints one as "age recipient").',
    ]),
  );
  files.set(
    'policies/attestation-policy.yaml',
    yamlDocument({ requiredFor: { tiers: ['production'] }, maxAgeDays: 30, results: {} }, [
      modeline(1, 'attestation-policy'),
      ' Production targets need a passed attestation younger than maxAgeDays: results.<env>: {status, at}.',
    ]),
  );

  if (options.keys) files.set(RELEASE_PUBLIC_KEY, textBytes(options.keys.publicKeyPem));
  files.set('keys/README.md', textBytes(template('src/cli/init/keys-readme.md.hbs')({ privateKeys: PRIVATE_KEYS_DIR, publicKey: RELEASE_PUBLIC_KEY, hasKeys: Boolean(options.keys) })));

  // Private keys and build output never belong in the source repository.
  files.set('.gitignore', textBytes(['.slipway/', 'output/', '.output.build-record.json', '*.key.pem', '*.key.asc', 'age-identity.txt', 'node_modules/', ''].join('\n')));

  files.set('.github/workflows/slipway-review.yml', workflowBytes(reviewWorkflow(options.action)));
  const publish = options.shards === undefined ? publishWorkflow(options.action) : shardedPublishWorkflow(options.action, options.shards);
  files.set('.github/workflows/slipway-publish.yml', workflowBytes(publish));
  return files;
}
