// Micro benchmark of YAML serialisation: the documents of the golden tree (Kubernetes objects, Helm
// values, Compose files, cloud-init) read back to data and written again, by the serialisers the
// generators use and by `yaml.stringify` with the same options, which those serialisers must match.
// Usage: npm run bench:yaml [-- PASSES]   (default 200).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { composeYamlBytes } from '../dist/generators/compose/compose-file.js';
import { sortKeysDeep, yamlBytes } from '../dist/src/core/serialize.js';

const passes = Number(process.argv[2] ?? 200);
const golden = fileURLToPath(new URL('../test/golden', import.meta.url));
const blockOptions = { lineWidth: 0, aliasDuplicateObjects: false };
const composeOptions = { version: '1.1', defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0, aliasDuplicateObjects: false };

const documents = readdirSync(golden, { recursive: true })
  // Rendered environments only: the chart's templates are Helm text, not YAML.
  .filter((path) => /\.ya?ml$/.test(path) && path.includes('environments/') && !path.endsWith('.sops.yaml'))
  .map((path) => ({ compose: path.endsWith('docker-compose.yml'), data: parse(readFileSync(join(golden, path), 'utf8'), { logLevel: 'error' }) }))
  .filter(({ data }) => data !== null && typeof data === 'object');

const decoder = new TextDecoder();
const viaSerialisers = ({ compose, data }) => decoder.decode(compose ? composeYamlBytes(data) : yamlBytes(data));
const viaYaml = ({ compose, data }) => stringify(sortKeysDeep(data), compose ? composeOptions : blockOptions);

for (const document of documents) {
  if (viaSerialisers(document) !== viaYaml(document)) throw new Error('the serialisers and yaml.stringify differ');
}

const time = (label, write) => {
  for (let pass = 0; pass < 5; pass++) documents.forEach(write);
  const start = process.hrtime.bigint();
  for (let pass = 0; pass < passes; pass++) documents.forEach(write);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(`${label.padEnd(24)} ${(ms / passes).toFixed(2).padStart(8)} ms per pass   ${((ms * 1000) / passes / documents.length).toFixed(1).padStart(7)} µs per document`);
  return ms;
};

console.log(`${documents.length} documents × ${passes} passes`);
const reference = time('yaml.stringify', viaYaml);
const serialisers = time('yamlBytes / compose', viaSerialisers);
console.log(`speed-up ${(reference / serialisers).toFixed(1)}×`);
