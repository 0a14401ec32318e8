// Run by `npm run build` after tsc: writes the validators of the JSON Schemas Slipway checks with as
// Ajv standalone code into dist, beside the modules that load them (see src/core/precompiled.ts),
// so that no command compiles a schema at start. Generated here, never committed.
import { writeFileSync } from 'node:fs';
import { PRECOMPILED_VALUES_VALIDATOR } from '../dist/generators/chart/files.js';
import { precompiledValuesValidatorModule } from '../dist/generators/chart/precompile.js';
import { precompiledValidatorsModule } from '../dist/src/validate/precompile.js';
import { PRECOMPILED_VALIDATORS } from '../dist/src/validate/schemas.js';

writeFileSync(PRECOMPILED_VALIDATORS, precompiledValidatorsModule());
writeFileSync(PRECOMPILED_VALUES_VALIDATOR, precompiledValuesValidatorModule());
