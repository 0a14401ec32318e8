import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { repositoryRoot } from '../support/tree.js';

/**
 * `npm run build` bundles the small libraries every command loads into dist/bundle (why: see
 * scripts/bundle.js). Their code then ships inside Slipway's files, so their licences must ship
 * beside it; and the CLI must really run them from the bundle, not load them again from node_modules.
 */
const bundle = join(repositoryRoot, 'dist', 'bundle');
const work = mkdtempSync(join(tmpdir(), 'slipway-bundled-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The packages the bundle holds modules of, from the `// node_modules/…` line esbuild puts above each. */
function bundledPackages(): string[] {
  const names = new Set<string>();
  for (const file of readdirSync(bundle).filter((name) => /\.c?js$/.test(name))) {
    for (const match of readFileSync(join(bundle, file), 'utf8').matchAll(/^\/\/ node_modules\/((?:@[^/]+\/)?[^/]+)\//gm)) names.add(match[1]!);
  }
  return [...names].sort();
}

describe('libraries bundled into dist/bundle', () => {
  it('each comes with its name, version, licence and licence text in THIRD-PARTY-LICENSES.txt', () => {
    const packages = bundledPackages();
    expect(packages).toEqual(expect.arrayContaining(['yaml', 'commander', '@noble/ed25519']));
    const notices = readFileSync(join(bundle, 'THIRD-PARTY-LICENSES.txt'), 'utf8');
    for (const name of packages) {
      const folder = join(repositoryRoot, 'node_modules', name);
      const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { version: string; license: string };
      expect(notices, name).toContain(`${name} ${manifest.version} (${manifest.license})`);
      const licence = readdirSync(folder).find((file) => /^(licen[cs]e|copying)/i.test(file))!;
      expect(notices, `${name}'s licence text`).toContain(readFileSync(join(folder, licence), 'utf8').trim());
    }
  });

  it('a validate run loads none of them from node_modules', () => {
    const hook = join(work, 'record-resolutions.mjs');
    writeFileSync(hook, `export async function resolve(specifier, context, next) {\n  const result = await next(specifier, context);\n  if (result.url.includes('/node_modules/')) process.stderr.write(\`resolved: \${result.url}\\n\`);\n  return result;\n}\n`);
    const register = join(work, 'register.mjs');
    // The CLI's bundle is CommonJS: what it requires is resolved by Module._resolveFilename, which ES module hooks do not see.
    writeFileSync(
      register,
      `import Module, { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hook).href)});\nconst resolveFilename = Module._resolveFilename;\nModule._resolveFilename = function (...args) {\n  const path = resolveFilename.apply(this, args);\n  if (path.includes('/node_modules/')) process.stderr.write(\`resolved: \${path}\\n\`);\n  return path;\n};\n`,
    );
    const run = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, join(repositoryRoot, 'bin', 'slipway.js'), 'validate', '--root', repositoryRoot, '--format', 'json'], { encoding: 'utf8', env: { ...process.env, SOURCE_DATE_EPOCH: '1795132800' } });
    expect(run.status, run.stderr).toBe(0);
    const fromNodeModules = run.stderr.split('\n').filter((line) => line.startsWith('resolved: '));
    const bundled = bundledPackages();
    // The hooks see what is loaded from node_modules (the validators' runtime, from ajv): they would see a bundled library too.
    expect(fromNodeModules.some((line) => line.includes('/node_modules/ajv'))).toBe(true);
    expect(fromNodeModules.filter((line) => bundled.some((name) => line.includes(`/node_modules/${name}/`)))).toEqual([]);
  });
});
