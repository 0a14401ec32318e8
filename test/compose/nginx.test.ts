import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeFiles, composePlan } from '../../generators/compose/index.js';
import { nginxArgument } from '../../generators/compose/nginx.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { cloneModel } from '../support/clone.js';
import { describeWithTool, runTool, toolPresent, type ToolRun } from '../support/tools.js';
import { find, parseNginx, type Directive } from './nginx-parse.js';
import { exampleComposeModels } from './support.js';

const models = exampleComposeModels();
const nginxOf = (model: ResolvedEnvironment) => new TextDecoder().decode(composeFiles(model).get('nginx.conf'));
const work = mkdtempSync(join(tmpdir(), 'slipway-nginx-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const withHealthPath = (path: string): ResolvedEnvironment => {
  const model = cloneModel(models.get('northwind-onprem')!);
  model.services.find((service) => service.role === 'proxy')!.health = { path, port: 'http' };
  return model;
};

describe('nginx.conf, as nginx syntax', () => {
  for (const [name, model] of models) {
    it(`${name}: one upstream per routed service, HTTP for ACME and redirects, HTTPS to the services`, () => {
      const plan = composePlan(model);
      const http = find(parseNginx(nginxOf(model)), 'http')[0]!.block!;
      const upstreams = find(http, 'upstream');
      expect(upstreams.map((u) => u.args[0]).sort()).toEqual(['api', 'frontend', 'websocket']);
      for (const upstream of upstreams) {
        const service = model.services.find((s) => s.name === upstream.args[0])!;
        expect(upstream.block).toEqual([{ name: 'server', args: [`${service.name}:${service.ports[0]!.port}`] }]);
      }
      const [plain, tls] = find(http, 'server').map((server) => server.block!);
      expect(find(plain!, 'listen').map((l) => l.args)).toEqual([['80']]);
      expect(find(tls!, 'listen').map((l) => l.args)).toEqual([['443', 'ssl']]);
      expect(find(plain!, 'server_name')[0]!.args).toEqual([model.infrastructure.dns.domain]);
      const locations = (server: Directive[]) => new Map(find(server, 'location').map((l) => [l.args.join(' '), l.block!]));
      expect([...locations(plain!).keys()]).toEqual(['= /nginx-health', '^~ /.well-known/acme-challenge/', '/']);
      expect(locations(plain!).get('/')).toEqual([{ name: 'return', args: ['301', 'https://$host$request_uri'] }]);
      const routed = locations(tls!);
      expect([...routed.keys()].sort()).toEqual(['/', '/api/', '/app/', '= /nginx-health', '@maintenance']);
      const target = (path: string) => find(routed.get(path)!, 'proxy_pass')[0]!.args[0];
      expect([target('/'), target('/api/'), target('/app/')]).toEqual(['http://frontend', 'http://api', 'http://websocket']);
      for (const route of plan.edge!.routes) expect(find(routed.get(route.path)!, 'if')[0]).toEqual({ name: 'if', args: ['(-f', '/etc/nginx/maintenance/on)'], block: [{ name: 'return', args: ['503'] }] });
      expect(find(tls!, 'ssl_certificate')[0]!.args).toEqual(['/etc/nginx/certs/fullchain.pem']);
    });
  }

  it('quotes and escapes what comes from the model, so it reads back unchanged', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\/[^\s]{0,40}$/), (path) => {
        const plain = find(find(parseNginx(nginxOf(withHealthPath(path))), 'http')[0]!.block!, 'server')[0]!.block!;
        expect(find(plain, 'location')[0]!.args).toEqual(['=', path]);
      }),
      { numRuns: 100 },
    );
    expect(nginxArgument('a b')).toBe('"a b"');
    expect(nginxArgument('x";y{z}\\')).toBe('"x\\";y{z}\\\\"');
    expect(() => nginxArgument('a\nb')).toThrow();
  });
});

const describeNginx = describeWithTool('nginx', toolPresent('nginx', ['-v']));
describeNginx('nginx -t', () => {
  const certificates = join(work, 'certs');
  beforeAll(() => {
    mkdirSync(certificates, { recursive: true });
    const made = runTool('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=test', '-keyout', join(certificates, 'privkey.pem'), '-out', join(certificates, 'fullchain.pem')]);
    expect(made.status, made.stderr).toBe(0);
  });

  /**
   * `nginx -t` with its output in a file, as in a container (where `/dev/stdout`, the access
   * log, is a pipe or a file): Node's pipes are sockets, which `/dev/stdout` cannot be opened on.
   */
  const nginxTest = (prefix: string): ToolRun => {
    const output = openSync(join(prefix, 'output.txt'), 'w');
    const run = spawnSync('nginx', ['-t', '-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', 'stderr'], { stdio: ['ignore', output, output] });
    closeSync(output);
    const text = readFileSync(join(prefix, 'output.txt'), 'utf8');
    return { status: run.status, stdout: text, stderr: text };
  };

  /**
   * nginx resolves upstream host names at `-t` time, and the Compose service names exist only
   * inside the Compose network: the copy points them at 127.0.0.1 (same ports) and the certificate
   * paths at a throwaway pair. Nothing else changes.
   */
  const check = (config: string, label: string) => {
    const prefix = mkdtempSync(join(work, 'prefix-'));
    const runnable = config.replace(/^(\s*server) [a-z][a-z0-9-]*:([0-9]+);$/gm, '$1 127.0.0.1:$2;').replaceAll('/etc/nginx/certs/', `${certificates}/`);
    expect(runnable).not.toBe(config);
    writeFileSync(join(prefix, 'nginx.conf'), runnable);
    const run = nginxTest(prefix);
    expect(run.status, `${label}: ${run.stderr}`).toBe(0);
    expect(run.stderr).toMatch(/syntax is ok/);
  };

  for (const [name, model] of models) it(`accepts ${name}'s config`, () => check(nginxOf(model), name));

  it('accepts hostile health paths (quotes, semicolons, braces, $, #, backslashes, unicode)', () => {
    for (const path of ['/h"e;a{l}t$h#x\\y\'z', '/ünïcødé/✓', '/a;b}', '/$host', '/#', '/\\"']) check(nginxOf(withHealthPath(path)), path);
    fc.assert(
      fc.property(fc.stringMatching(/^\/[^\s]{0,20}$/), (path) => check(nginxOf(withHealthPath(path)), path)),
      { numRuns: 25 },
    );
  });

  it('rejects a config whose upstream does not resolve, so the host substitution above is what makes -t pass', () => {
    const prefix = mkdtempSync(join(work, 'prefix-'));
    const config = nginxOf(models.get('northwind-onprem')!).replaceAll('/etc/nginx/certs/', `${certificates}/`);
    writeFileSync(join(prefix, 'nginx.conf'), config.replace(/server api:8080;/, 'server slipway-no-such-host.invalid:8080;'));
    const run = nginxTest(prefix);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/host not found in upstream/);
  });
});
