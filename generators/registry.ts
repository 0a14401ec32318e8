import { deploymentServerGenerator } from './deployment-server/index.js';
import { indexJsonGenerator } from './index-json/index.js';
import { readmeGenerator } from './readme/index.js';
import { secretsGenerator } from './secrets/index.js';
import type { EnvironmentGenerator, ProjectGenerator } from './types.js';

export type * from './types.js';

/** Every generator Slipway runs. Environment generators render into `environments/<env>/`. */
export const environmentGenerators: readonly EnvironmentGenerator[] = [secretsGenerator];

/** Project generators run last: they summarise the environments, including their manifest digests. */
export const projectGenerators: readonly ProjectGenerator[] = [indexJsonGenerator, readmeGenerator, deploymentServerGenerator];
