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

/**
 * Every generator Slipway runs, by name: the one place the core learns of them. Environment
 * generators render into `environments/<env>/` in `dependsOn` order (ties in this order); project
 * generators run last, because they summarise every environment, manifest digests included.
 */
export const generators = {
  environment: {
    compose: composeGenerator,
    'helm-values': helmValuesGenerator,
    kubernetes: kubernetesGenerator,
    'terraform-aws': terraformAwsGenerator,
    'terraform-digitalocean': terraformDigitalOceanGenerator,
    ansible: ansibleGenerator,
    secrets: secretsGenerator,
    bundle: bundleGenerator,
    runbook: runbookGenerator,
  },
  project: {
    'index-json': indexJsonGenerator,
    readme: readmeGenerator,
    'deployment-server': deploymentServerGenerator,
    chart: chartGenerator,
  },
} as const satisfies { environment: Record<string, EnvironmentGenerator>; project: Record<string, ProjectGenerator> };

export type EnvironmentGeneratorName = keyof typeof generators.environment;
export type ProjectGeneratorName = keyof typeof generators.project;
