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

/** Regions without Spaces keep their buckets in the nearest region that has them. */
const spacesRegions: Record<string, string> = { nyc1: 'nyc3', nyc2: 'nyc3', sfo1: 'sfo3', ams2: 'ams3', lon1: 'lon1', tor1: 'tor1', blr1: 'blr1', sgp1: 'sgp1', syd1: 'syd1', fra1: 'fra1', ams3: 'ams3', nyc3: 'nyc3', sfo2: 'sfo2', sfo3: 'sfo3', atl1: 'atl1' };

export function spacesRegion(region: string): string {
  return spacesRegions[region] ?? region;
}

export function doContext(environment: ResolvedEnvironment): DoContext {
  return {
    environment,
    name: environment.name,
    region: environment.infrastructure.region ?? 'nyc3',
    production: isProduction(environment),
    variables: [],
    outputs: [],
  };
}

/** The tag every resource of the environment carries (DigitalOcean tags: letters, digits, `-`, `_`, `:`). */
export function environmentTag(context: DoContext): string {
  return `slipway:${context.name}`;
}
