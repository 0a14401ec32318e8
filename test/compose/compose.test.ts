import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { composeFiles, composeGenerator, composePlan } from '../../generators/compose/index.js';
import { composeCpus, composeMemory } from '../../generators/compose/quantities.js';
import { BugError } from '../../src/core/errors.js';
import { cloneModel } from '../support/clone.js';
import { validateSourceTree } from '../../src/compile.js';
import { fixturesDir, useTrees } from '../support/tree.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { describeWithTool, runTool, toolPresent } from '../support/tools.js';
import { composeSpecValidator, crossReferenceProblems, exampleComposeModels } from './support.js';

type Doc = Record<string, any>;

const models = exampleComposeModels();
const decode = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);
const composeOf = (model: ResolvedEnvironment): Doc => parse(decode(composeFiles(model).get('docker-compose.yml'))) as Doc;
const work = mkdtempSync(join(tmpdir(), 'slipway-compose-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('Compose files of the bundled example', () => {
  it('covers the example’s ready Compose targets: self-hosted production and a preview', () => {
    expect([...models.keys()]).toEqual(['globex-aws', 'initech-do', 'northwind-onprem', 'pr-preview']);
  });

  for (const [name, model] of models) {
    describe(name, () => {
      const document = composeOf(model);
      const plan = composePlan(model);

      it('validates against the Compose Specification schema and references only what it defines', () => {
        const validate = composeSpecValidator();
        expect(validate(document), JSON.stringify(validate.errors, null, 1)).toBe(true);
        expect(crossReferenceProblems(document)).toEqual([]);
      });

      it('runs every service of the model, with its image, command, env, replicas, limits and restart policy', () => {
        for (const service of model.services) {
          const composed = document.services[service.name];
          expect(composed, service.name).toBeDefined();
          expect(composed.image).toBe(service.image);
          if (service.command) expect(composed.command).toEqual(service.command);
          for (const [key, value] of Object.entries(service.env)) if (key !== 'APP_DEBUG') expect(composed.environment[key]).toBe(value);
          expect(composed.deploy.replicas).toBe(service.scaling.min);
          expect(composed.restart).toBe('unless-stopped');
          if (service.resources.cpu) expect(composed.deploy.resources.limits.cpus).toBe(composeCpus(service.resources.cpu));
          if (service.resources.memory) expect(composed.deploy.resources.limits.memory).toBe(composeMemory(service.resources.memory));
        }
        expect(document.services.api.deploy.resources.limits).toEqual({ cpus: 0.5, memory: '768m' });
        if (model.mode === 'self-hosted') {
          // The seed's license heartbeat and update clients (role agent) run like any service.
          expect(document.services['license-heartbeat'].healthcheck.test).toEqual(['CMD', 'license-heartbeat', 'status']);
          expect(document.services['update-client'].restart).toBe('unless-stopped');
        }
      });

      it('runs each embedded store pinned, on a named volume, with a health check, and tells its users where it is', () => {
        const embedded = model.resources.filter((resource) => !resource.managed);
        expect(embedded.map((r) => r.type).sort()).toEqual(['object-storage', 'postgres', 'redis']);
        const probes: Record<string, RegExp> = { postgres: /pg_isready/, redis: /redis-cli ping/, 'object-storage': /^CMD mc ready local$/ };
        for (const resource of embedded) {
          const store = document.services[resource.name];
          expect(store.image).toMatch(/^(postgres:\d+\.\d+-alpine|redis:\d+\.\d+\.\d+-alpine|minio\/minio:RELEASE\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ)$/);
          expect(store.volumes).toEqual([expect.stringMatching(new RegExp(`^${resource.name}-data:/`))]);
          expect(document.volumes).toHaveProperty(`${resource.name}-data`);
          expect(store.healthcheck.test.join(' ')).toMatch(probes[resource.type]!);
          expect(store.networks).toEqual(['data']);
        }
        expect(document.networks.data).toEqual({ internal: true });
        expect(document.services.database.environment).toMatchObject({ POSTGRES_DB: 'harbor', POSTGRES_USER: 'harbor' });
        expect(document.services.api.environment).toMatchObject({ DB_HOST: 'database', REDIS_HOST: 'cache', AWS_ENDPOINT: 'http://uploads:9000', AWS_BUCKET: 'uploads' });
        expect(document.services['uploads-init']).toMatchObject({ restart: 'no', depends_on: { uploads: { condition: 'service_healthy' } } });
      });

      it('migrates and seeds in one-shot services the API and every other user of its database wait for', () => {
        const api = model.services.find((service) => service.name === 'api')!;
        expect(document.services['api-migrate']).toMatchObject({ command: api.migrations!.command, restart: 'no', image: api.image });
        expect(document.services['api-seed']).toMatchObject({ command: api.seed!.command, restart: 'no', depends_on: { 'api-migrate': { condition: 'service_completed_successfully' } } });
        expect(document.services['api-migrate'].healthcheck).toBeUndefined();
        for (const waiter of ['api', 'worker', 'scheduler']) {
          expect(document.services[waiter].depends_on, waiter).toMatchObject({
            'api-migrate': { condition: 'service_completed_successfully' },
            'api-seed': { condition: 'service_completed_successfully' },
            database: { condition: 'service_healthy' },
          });
        }
      });

      it('waits for a dependency’s health where it has a check, for its start otherwise', () => {
        const healthy = new Set(model.services.filter((s) => s.health).map((s) => s.name));
        for (const service of model.services) {
          for (const dependency of service.dependsOn) {
            expect(document.services[service.name].depends_on[dependency], `${service.name} -> ${dependency}`).toEqual({ condition: healthy.has(dependency) ? 'service_healthy' : 'service_started' });
          }
        }
        expect(document.services.frontend.depends_on.api).toEqual({ condition: 'service_healthy' });
        expect(document.services.nginx.depends_on).toMatchObject({ api: { condition: 'service_healthy' }, frontend: { condition: 'service_healthy' }, websocket: { condition: 'service_healthy' } });
      });

      it('turns HTTP health checks into an exec test that takes the URL as an argument, never into shell text', () => {
        expect(document.services.api.healthcheck.test).toEqual(['CMD', 'sh', '-c', 'curl -fsS -o /dev/null "$$0" || wget -q -O /dev/null "$$0"', 'http://127.0.0.1:8080/healthz']);
        expect(document.services.nginx.healthcheck.test.at(-1)).toBe('http://127.0.0.1:80/nginx-health');
      });

      it('keeps secrets out of the file: only env files install.sh writes, and the SOPS file still encrypted', () => {
        const secretNames = new Set([...model.secrets.generated, ...model.secrets.infra].map((secret) => secret.name));
        for (const [serviceName, service] of Object.entries<Doc>(document.services)) {
          for (const key of Object.keys(service.environment ?? {})) expect(secretNames.has(key), `${serviceName} ${key}`).toBe(false);
        }
        expect(document.services.api.env_file).toEqual(['env/api.env']);
        expect(plan.envFiles.api!.map((entry) => entry.name)).toEqual(['APP_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'DATABASE_URL', 'DB_PASSWORD', 'MAIL_PASSWORD', 'REDIS_PASSWORD', 'REDIS_URL', 'REVERB_APP_SECRET']);
        // The URL forms: the secret between text install.sh puts around it, percent-encoded.
        expect(plan.envFiles.api!.filter((entry) => entry.url)).toEqual([
          { name: 'DATABASE_URL', from: 'DB_PASSWORD', url: { before: 'postgresql://harbor:', after: '@database:5432/harbor' } },
          { name: 'REDIS_URL', from: 'REDIS_PASSWORD', url: { before: 'redis://:', after: '@cache:6379' } },
        ]);
        expect(plan.envFiles.database).toEqual([{ name: 'POSTGRES_PASSWORD', from: 'DB_PASSWORD' }]);
        expect(document.services.frontend.env_file).toBeUndefined();
        // The same encrypted values and MAC as the SOPS file the model carries, read with a YAML parser: nothing re-encrypted, nothing decrypted.
        const source = parse(decode(model.secrets.file!.bytes)) as Record<string, string> & { sops: { mac: string } };
        const { sops, ...values } = source;
        const lines = decode(composeFiles(model).get('secrets.sops.env')).trim().split('\n');
        const pairs = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
        expect(Object.fromEntries(Object.entries(pairs).filter(([key]) => !key.startsWith('sops_')))).toEqual(values);
        expect(pairs.sops_mac).toBe(sops.mac);
        for (const line of lines.filter((l) => !l.startsWith('sops_'))) expect(line).toMatch(/^[A-Z_]+=ENC\[AES256_GCM,/);
        expect(plan.secrets.install.map((s) => s.name)).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
      });

      if (model.tier === 'production') {
        it('production: APP_DEBUG is false and every application image is pinned by digest', () => {
          for (const service of model.services) {
            expect(document.services[service.name].image).toMatch(/@sha256:[0-9a-f]{64}$/);
            if ('APP_DEBUG' in service.env) expect(document.services[service.name].environment.APP_DEBUG).toBe('false');
          }
        });
      } else {
        it('preview: tags stay tags, as the release gives them', () => {
          for (const service of model.services) expect(document.services[service.name].image).toBe(model.release.images[service.name]);
          expect(document.services.api.image).toBe('ghcr.io/harbor-labs/api:pr-1234');
          expect(document.services.api.environment.APP_DEBUG).toBe('true');
        });
      }

      it('records that update.sh stands in for the blue-green deploy the API asks for', () => {
        expect(document['x-slipway']['strategy-note']).toMatch(/^api asks for blue-green.*update\.sh stands in/);
        expect(document.name).toBe(name);
      });
    });
  }
});

describe('Compose generator, beyond the example', () => {
  const base = models.get('northwind-onprem')!;
  const tree = useTrees();
  const minimalApi = readFileSync(join(fixturesDir, 'minimal', 'services', 'api', 'service.json'), 'utf8');
  const minimalWorker = readFileSync(join(fixturesDir, 'minimal', 'services', 'worker', 'service.json'), 'utf8');
  const minimalOnprem = readFileSync(join(fixturesDir, 'minimal', 'environments', 'onprem.yaml'), 'utf8');
  /** A variant made the way users make one: an edited source tree, resolved (the minimal fixture's Compose target). */
  const resolvedVariant = (edits: Record<string, string>): ResolvedEnvironment => {
    const result = validateSourceTree({ root: tree(edits), now: new Date('2026-11-20T00:00:00Z') });
    const target = result.targets.find((candidate) => candidate.name === 'onprem')!;
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    return target.model!;
  };
  const variant = (edit: (model: ResolvedEnvironment) => void): ResolvedEnvironment => {
    const copy = cloneModel(base);
    edit(copy);
    return copy;
  };

  it('forces APP_DEBUG to false in production whatever the model says', () => {
    const model = variant((m) => (m.services.find((s) => s.name === 'worker')!.env.APP_DEBUG = 'true'));
    expect(composeOf(model).services.worker.environment.APP_DEBUG).toBe('false');
  });

  it('reserves GPUs for a service that asks for them', () => {
    const model = variant((m) => (m.services.find((s) => s.name === 'worker')!.resources.gpu = 2));
    expect(composeOf(model).services.worker.deploy.resources.reservations).toEqual({ devices: [{ driver: 'nvidia', count: 2, capabilities: ['gpu'] }] });
  });

  it('runs embedded MySQL with mysqladmin ping, and refuses a store version it cannot pin', () => {
    const asMysql = (text: string) => text.replace(/"type": "postgres"(, "version": "16")?/g, '"type": "mysql", "version": "8.0"');
    const mysql = composeOf(resolvedVariant({ 'services/api/service.json': asMysql(minimalApi), 'services/worker/service.json': asMysql(minimalWorker) }));
    expect(mysql.services.database).toMatchObject({ image: 'mysql:8.0.40', healthcheck: { test: ['CMD', 'mysqladmin', 'ping', '--host=127.0.0.1', '--silent'] } });
    expect(mysql.services.api.environment).toMatchObject({ DB_HOST: 'database', DB_PORT: '3306', DB_DATABASE: 'database', DB_USERNAME: 'database' });
    // Refused by the check, before anything renders (test/compose/check.test.ts locates it); rendering it anyway is a bug.
    const unpinnable = variant((m) => (m.resources.find((r) => r.name === 'database')!.version = '9.9'));
    expect(composeGenerator.check!(unpinnable).map((finding) => [finding.code, finding.severity])).toEqual([['unsupported-version', 'error']]);
    expect(() => composeFiles(unpinnable)).toThrow(BugError);
    expect(composeOf(variant((m) => (m.resources.find((r) => r.name === 'database')!.version = '16.4'))).services.database.image).toBe('postgres:16.4-alpine');
  });

  it('refuses a managed resource it cannot wire: the wiring rule reports it where it is asked for, and rendering it anyway is a bug', () => {
    const root = tree({ 'environments/onprem.yaml': `${minimalOnprem}resources:\n  database: { managed: true }\n` });
    const result = validateSourceTree({ root, now: new Date('2026-11-20T00:00:00Z') });
    expect(result.diagnostics.filter((d) => d.code === 'unwired-resource').map((d) => [d.file, d.line, d.severity])).toEqual([['environments/onprem.yaml', 12, 'error']]);
    expect(() => composeOf(variant((m) => (m.resources.find((r) => r.name === 'database')!.managed = true)))).toThrow(BugError);
  });

  it('gives an embedded store the credential its clients read: a resource-named generated password, on both sides', () => {
    const api = JSON.parse(minimalApi) as { secrets: Record<string, unknown> };
    api.secrets.DATABASE_PASSWORD = { generate: 'password' };
    const plan = composePlan(resolvedVariant({ 'services/api/service.json': JSON.stringify(api) }));
    const envFile = (service: string) => plan.envFiles[service] ?? [];
    expect(envFile('database')).toContainEqual({ name: 'POSTGRES_PASSWORD', from: 'DATABASE_PASSWORD' });
    expect(envFile('api')).toContainEqual({ name: 'DB_PASSWORD', from: 'DATABASE_PASSWORD' });
  });

  it('gives a service the names its declaration asks for: a prefix, or single renames', () => {
    const renamed = minimalApi.replace('"version": "16" }', '"version": "16", "env": { "prefix": "MAIN_", "names": { "DB_HOST": "PGHOST" } } }');
    const document = composeOf(resolvedVariant({ 'services/api/service.json': renamed }));
    expect(document.services.api.environment).toMatchObject({ PGHOST: 'database', MAIN_DB_PORT: '5432', MAIN_DB_DATABASE: 'database', MAIN_DB_USERNAME: 'database' });
    expect(document.services.api.environment.DB_HOST).toBeUndefined();
  });

  it('adds an nginx edge when services are public but no proxy service runs, and names around collisions', () => {
    const model = variant((m) => {
      m.services = m.services.filter((s) => s.name !== 'nginx');
      const port = m.services.find((s) => s.name === 'frontend')!.ports[0]!;
      port.expose = 'public';
      // What the resolver decides from the ports: the generator reads the infrastructure's public endpoints.
      m.infrastructure.publicEndpoints = [...m.infrastructure.publicEndpoints.filter((e) => e.service !== 'nginx'), { service: 'frontend', port: port.name, number: port.port }];
      m.resources.find((r) => r.name === 'cache')!.name = 'api-migrate';
      for (const s of m.services) {
        s.usesResources = s.usesResources.map((r) => (r === 'cache' ? 'api-migrate' : r));
        s.connections = s.connections.map((v) => (v.resource === 'cache' ? { ...v, resource: 'api-migrate' } : v));
      }
    });
    const document = composeOf(model);
    expect(document.services.nginx).toMatchObject({ image: 'nginx:1.27.3-alpine', ports: ['80:80', '443:443'] });
    expect(document.services['api-migrate'].image).toMatch(/^redis:/);
    expect(document.services['api-migrate-2'].command).toEqual(['php', 'artisan', 'migrate', '--force']);
    expect(composeSpecValidator()(document)).toBe(true);
    expect(crossReferenceProblems(document)).toEqual([]);
  });

  it('converts Kubernetes quantities exactly', () => {
    expect([composeCpus('250m'), composeCpus('1'), composeCpus('2.5'), composeCpus('1500m')]).toEqual([0.25, 1, 2.5, 1.5]);
    expect(['64Mi', '1Gi', '512Ki', '1.5Gi', '1G', '500M', '1024'].map(composeMemory)).toEqual(['64m', '1g', '512k', '1610612736b', '1000000000b', '500000000b', '1024b']);
  });

  it('renders the same bytes every time', () => {
    const a = composeFiles(base);
    const b = composeFiles(cloneModel(base));
    expect([...a.keys()]).toEqual(['docker-compose.yml', 'nginx.conf', 'secrets.sops.env', 'docker-compose.override.yml']);
    for (const [name, bytes] of a) expect(Buffer.from(b.get(name)!).equals(Buffer.from(bytes)), name).toBe(true);
  });
});

const describeDockerCompose = describeWithTool('docker-compose', toolPresent('docker-compose', ['version']));
describeDockerCompose('docker-compose 1.29 as a second opinion', () => {
  it('accepts every example Compose file once the top-level `name` (newer than 1.29) is left out of a copy', () => {
    for (const [name, model] of models) {
      const dir = join(work, `dc-${name}`);
      mkdirSync(join(dir, 'env'), { recursive: true });
      const files = composeFiles(model);
      writeFileSync(join(dir, 'nginx.conf'), files.get('nginx.conf')!);
      const text = decode(files.get('docker-compose.yml'));
      for (const service of Object.values<Doc>((parse(text) as Doc).services)) for (const file of service.env_file ?? []) writeFileSync(join(dir, file), '');
      // The generated bytes themselves, read by PyYAML: only the `name:` line goes.
      const older = text.replace(/^name: .*\n/m, '');
      expect(older).not.toBe(text);
      writeFileSync(join(dir, 'docker-compose.yml'), older);
      const run = runTool('docker-compose', ['-f', join(dir, 'docker-compose.yml'), 'config', '-q'], { cwd: dir });
      expect(run.status, `${name}: ${run.stderr}`).toBe(0);
    }
  });
});
