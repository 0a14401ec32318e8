import { ansibleGenerator } from './ansible/index.js';
import { bundleGenerator } from './bundle/index.js';
import { chartGenerator } from './chart/index.js';
import { composeGenerator } from './compose/index.js';
import { deploymentServerGenerator } from './deployment-server/index.js';
import { helmValuesGenerator } from './helm-values/index.js';
import { indexJsonGenerator } from './index-json/index.js';
import { kubernetesGenerator } from './kubernetes/index.js';
import { readmeGenerator } from './readme/index.js';
import { runbookGenerator } from './runbook/index.js';
import { secretsGenerator } from './secrets/index.js';
import { terraformAwsGenerator } from './terraform-aws/index.js';
import { terraformDigitalOceanGenerator } from './terraform-digitalocean/index.js';
import type { EnvironmentGenerator, ProjectGenerator } from './types.js';

export type * from './types.js';

/** Every generator Slipway runs. Environment generators render into `environments/<env>/`. */
export const environmentGenerators: readonly EnvironmentGenerator[] = [runbookGenerator, secretsGenerator, helmValuesGenerator, kubernetesGenerator, composeGenerator, bundleGenerator, terraformAwsGenerator, terraformDigitalOceanGenerator, ansibleGenerator];

/** Project generators run last: they summarise the environments, including their manifest digests. */
export const projectGenerators: readonly ProjectGenerator[] = [indexJsonGenerator, readmeGenerator, deploymentServerGenerator, chartGenerator];
