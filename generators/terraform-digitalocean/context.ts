import { BugError } from '../../src/core/errors.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { isProduction } from '../infrastructure-shared/naming.js';
import type { ModuleParts } from '../infrastructure-shared/terraform.js';

/** What the parts of one DigitalOcean configuration share while they are built. */
export interface DoContext extends ModuleParts {
  environment: ResolvedEnvironment;
  name: string;
  region: string;
  production: boolean;
}

/** The Spaces region of the target's buckets, as resolve decided it. */
export function spacesRegion(context: DoContext): string {
  const region = context.environment.infrastructure.objectStorageRegion;
  if (region === undefined) throw new BugError(`${context.name}: a DigitalOcean target without a Spaces region`);
  return region;
}

/** The region resolve decided for every DigitalOcean target. */
function required(region: string | undefined, name: string): string {
  if (region === undefined) throw new BugError(`${name}: a DigitalOcean target without the region resolve decides`);
  return region;
}

export function doContext(environment: ResolvedEnvironment): DoContext {
  return {
    environment,
    name: environment.name,
    region: required(environment.infrastructure.region, environment.name),
    production: isProduction(environment),
    variables: [],
    outputs: [],
  };
}

/** The tag every resource of the environment carries (DigitalOcean tags: letters, digits, `-`, `_`, `:`). */
export function environmentTag(context: DoContext): string {
  return `slipway:${context.name}`;
}
