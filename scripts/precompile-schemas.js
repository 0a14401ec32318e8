// Run by `npm run build` after tsc: writes the validators of schemas/ as ajv standalone code into
// dist, beside the module that loads them (see src/validate/precompile.ts).
import { writeFileSync } from 'node:fs';
import { precompiledValidatorsModule } from '../dist/src/validate/precompile.js';
import { PRECOMPILED_VALIDATORS_FILE } from '../dist/src/validate/schemas.js';

writeFileSync(new URL(`../dist/src/validate/${PRECOMPILED_VALIDATORS_FILE}`, import.meta.url), precompiledValidatorsModule());
