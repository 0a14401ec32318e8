// Run by `npm run build` after tsc: bundles the compiled CLI and the render worker, each with the
// modules of Slipway's own they import, into dist/bundle/ (shared chunks split out). Node's ESM
// loader resolves, reads and links every module separately, and Slipway's ~270 modules cost a
// build, validate or diff ~0.15-0.2 s before it did anything; one file per entry costs a fraction.
// The libraries stay outside, loaded from node_modules as before.
//
// A module that finds files beside itself (schemas, templates, precompiled validators, the package
// root) does so from `import.meta.url`: in the bundle that is replaced by the URL of the module it
// came from in dist/, so every such path is the one the unbundled module would use. The render
// pool alone keeps the bundle's own URL, so that it starts the bundled worker beside it.
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const outdir = join(dist, 'bundle');
const keepsBundleUrl = new Set([join(dist, 'src', 'render', 'pool.js')]);

/** `import.meta.url` of the module at `path`, as an expression valid in any file of `outdir`. */
function originalUrl(path) {
  const fromBundle = relative(outdir, path).split(sep).join('/');
  return `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`;
}

const originalUrls = {
  name: 'original-import-meta-url',
  setup(builder) {
    builder.onLoad({ filter: /\.js$/ }, async ({ path }) => {
      const text = await readFile(path, 'utf8');
      if (keepsBundleUrl.has(path) || !text.includes('import.meta.url')) return { contents: text, loader: 'js' };
      return { contents: text.replaceAll('import.meta.url', originalUrl(path)), loader: 'js' };
    });
  },
};

await rm(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: { main: join(dist, 'src', 'cli', 'main.js'), worker: join(dist, 'src', 'render', 'worker.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // Flat: every file sits in outdir, where the URLs above are relative to.
  chunkNames: '[name]-[hash]',
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [originalUrls],
});
if (result.errors.length > 0) process.exit(1);
