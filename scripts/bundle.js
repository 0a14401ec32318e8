// Run by `npm run build` after tsc: bundles the compiled CLI, with the modules of Slipway's own it
// imports, into dist/bundle/main.cjs. Node's ESM loader resolves, reads and links every module
// separately, and Slipway's ~270 modules cost a build, validate or diff ~0.15-0.2 s before it did
// anything; one file costs a fraction. The small pure-JavaScript libraries every command loads
// (yaml, commander, the Ed25519 and hash functions, diff, fastest-levenshtein) are bundled too:
// loaded from node_modules, yaml alone is ~80 CommonJS files, each resolved, read and compiled on
// its own, and a one-environment rebuild spent ~85 ms importing before it did anything (~60 ms
// bundled). Their licences go into THIRD-PARTY-LICENSES.txt beside the bundle. The rest stay in
// node_modules: what loads only for some commands (openpgp, @octokit/rest, age-encryption, fflate)
// and what is loaded with require() (ajv for the precompiled validators, handlebars for the
// precompiled templates, canonicalize).
//
// The bundle is CommonJS, which bin/slipway.js compiles with a V8 code cache (see
// src/core/code-cache.ts): Node 20 has no code cache for ES modules, and compiling the CLI's code
// anew was a sixth of a one-environment rebuild. The render workers run the same bundle from the
// same cache (src/render/pool.ts).
//
// A module that finds files beside itself (schemas, templates, precompiled validators, the package
// root, the unbundled render worker) does so from `import.meta.url`: in the bundle that is replaced
// by the URL of the module it came from in dist/, so every such path is the one the unbundled
// module would use.
import { build } from 'esbuild';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const outdir = join(dist, 'bundle');

/**
 * `import.meta.url` of the module at `path`, as an expression valid in any file of `outdir`; `bundleUrl`
 * is the bundle file's own URL in the output format.
 */
function originalUrl(path, bundleUrl) {
  const fromBundle = relative(outdir, path).split(sep).join('/');
  return `new URL(${JSON.stringify(fromBundle)}, ${bundleUrl}).href`;
}

function originalUrls(bundleUrl) {
  return {
    name: 'original-import-meta-url',
    setup(builder) {
      builder.onLoad({ filter: /\.js$/ }, async ({ path }) => {
        const text = await readFile(path, 'utf8');
        if (!text.includes('import.meta.url')) return { contents: text, loader: 'js' };
        return { contents: text.replaceAll('import.meta.url', originalUrl(path, bundleUrl)), loader: 'js' };
      });
    },
  };
}

const shared = {
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  external: ['age-encryption', 'openpgp', '@octokit/rest', 'ajv', 'ajv-formats', 'handlebars', 'canonicalize', 'fflate'],
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
};

await rm(outdir, { recursive: true, force: true });
const results = [
  await build({
    ...shared,
    entryPoints: { main: join(dist, 'src', 'cli', 'main.js') },
    format: 'cjs',
    outExtension: { '.js': '.cjs' },
    // ES modules are strict; so is their code here. `__filename` is the bundle's path (code-cache.ts
    // passes it); its URL is taken once, under a name no module's own `require` can shadow.
    banner: { js: "'use strict'; const __slipwayBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
    plugins: [originalUrls('__slipwayBundleUrl')],
  }),
];
if (results.some((result) => result.errors.length > 0)) process.exit(1);

// Every package the bundle holds code of, with its licence text, sorted by name.
const packageOf = (input) => /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
const bundled = [...new Set(results.flatMap((result) => Object.keys(result.metafile.inputs)).map(packageOf).filter(Boolean))].sort();
const notices = [];
for (const name of bundled) {
  const folder = join(root, 'node_modules', name);
  const manifest = JSON.parse(await readFile(join(folder, 'package.json'), 'utf8'));
  const licenceFile = (await readdir(folder)).filter((file) => /^(licen[cs]e|copying)/i.test(file)).sort()[0];
  if (!licenceFile) throw new Error(`${name} is bundled but has no licence file to carry with it`);
  notices.push(`${name} ${manifest.version} (${manifest.license})\n\n${(await readFile(join(folder, licenceFile), 'utf8')).trim()}\n`);
}
await writeFile(join(outdir, 'THIRD-PARTY-LICENSES.txt'), `Code of these packages is bundled into the files of this folder.\n\n${notices.join(`\n${'-'.repeat(72)}\n\n`)}`);
