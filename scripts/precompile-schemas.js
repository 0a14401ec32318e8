// Run by `npm run build` after tsc: writes the validators of the JSON Schemas Slipway checks with as
// Ajv standalone code into dist, beside the modules that load them (see src/core/precompiled.ts),
// so that no command compiles a schema at start. Generated here, never committed.
import { writeFileSync } from 'node:fs';
import { precompiledValidatorsModule } from '../dist/src/validate/precompile.js';
import { PRECOMPILED_VALIDATORS } from '../dist/src/validate/schemas.js';

writeFileSync(PRECOMPILED_VALIDATORS, precompiledValidatorsModule());
