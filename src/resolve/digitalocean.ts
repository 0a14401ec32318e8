/** The region a DigitalOcean target without one is made in. */
export const digitalOceanDefaultRegion = 'nyc3';

/** Regions without Spaces keep their buckets in the nearest region that has them. */
const spacesRegions: Record<string, string> = {
  ams2: 'ams3',
  ams3: 'ams3',
  atl1: 'atl1',
  blr1: 'blr1',
  fra1: 'fra1',
  lon1: 'lon1',
  nyc1: 'nyc3',
  nyc2: 'nyc3',
  nyc3: 'nyc3',
  sfo1: 'sfo3',
  sfo2: 'sfo2',
  sfo3: 'sfo3',
  sgp1: 'sgp1',
  syd1: 'syd1',
  tor1: 'tor1',
};

/** The Spaces region a DigitalOcean target's buckets live in: its own, or the nearest that has Spaces. */
export function spacesRegion(region: string | undefined): string {
  const own = region ?? digitalOceanDefaultRegion;
  return spacesRegions[own] ?? own;
}
