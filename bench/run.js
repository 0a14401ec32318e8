// Benchmark: a synthetic source tree of many environments × a dozen services, compiled in-process.
// Usage: npm run bench [-- ENVIRONMENTS]   (default 1000). Prints wall time and memory per stage.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeBenchTree } from './tree.js';
import { compile, validateSourceTree } from '../dist/src/compile.js';
import { syncSecrets } from '../dist/src/secrets/sync.js';
import { writeOutputTree } from '../dist/src/write/index.js';

const environmentCount = Number(process.argv[2] ?? 1000);
const root = await writeBenchTree(environmentCount);
const serviceCount = 12;

const now = new Date('2026-11-20T00:00:00Z');
const measure = (label, fn) => {
  const start = process.hrtime.bigint();
  const result = fn();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(`${label.padEnd(28)} ${ms.toFixed(0).padStart(7)} ms   heap ${(process.memoryUsage().heapUsed / 1048576).toFixed(0)} MiB`);
  return result;
};

console.log(`${environmentCount} environments × ${serviceCount} services (${root})`);
const models = validateSourceTree({ root, now: new Date('2026-11-20T00:00:00Z') }).targets.flatMap((target) => (target.model ? [target.model] : []));
const started = process.hrtime.bigint();
await syncSecrets(models, { root, identities: [], now: new Date('2026-11-20T00:00:00Z') });
console.log(`${'secrets sync (create all)'.padEnd(28)} ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(0).padStart(7)} ms`);
const first = measure('compile (cold: schemas)', () => compile({ root, now }));
const errors = first.diagnostics.filter((d) => d.severity === 'error');
if (errors.length > 0) {
  console.error(errors.slice(0, 5));
  process.exit(1);
}
const second = measure('compile (warm)', () => compile({ root, now }));
measure('write', () => writeOutputTree(join(root, 'output'), second.files));
console.log(`files: ${second.files.length}; targets ready: ${second.targets.filter((t) => t.status === 'ready').length}`);
rmSync(root, { recursive: true, force: true });
