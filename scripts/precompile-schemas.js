// Run by `npm run build` after tsc: writes the validators of the JSON Schemas Slipway checks with as
// Ajv standalone code into dist, beside the modules that load them (see src/core/precompiled.ts),
// and the Handlebars templates precompiled (see src/core/templates.ts), so that no command compiles
// a schema or a template at start. Generated here, never committed.
import { writeFileSync } from 'node:fs';
import { PRECOMPILED_VALUES_VALIDATOR } from '../dist/generators/chart/files.js';
import { precompiledValuesValidatorModule } from '../dist/generators/chart/precompile.js';
import { precompiledValidatorsModule } from '../dist/src/validate/precompile.js';
import { PRECOMPILED_VALIDATORS } from '../dist/src/validate/schemas.js';
import { PRECOMPILED_TEMPLATES, precompiledTemplatesModule } from '../dist/src/core/templates.js';

writeFileSync(PRECOMPILED_VALIDATORS, precompiledValidatorsModule());
writeFileSync(PRECOMPILED_VALUES_VALIDATOR, precompiledValuesValidatorModule());
writeFileSync(PRECOMPILED_TEMPLATES, precompiledTemplatesModule());
