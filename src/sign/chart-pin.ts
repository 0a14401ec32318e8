/**
 * The content pin of the shared chart (`charts/<name>/`) that an environment's release.json
 * carries. The listing is what `sha256sum` prints for the chart's files, one line per file in
 * path order (UTF-8 byte order, paths relative to the chart's folder), and the pin is the sha256
 * of that listing. So anyone can check it with stock tools:
 *
 *   (cd charts/app && find . -type f -printf '%P\n' | LC_ALL=C sort | xargs -d '\n' sha256sum) | sha256sum
 */
import { sha256Hex } from '../core/digest.js';
import { comparePaths, type ChartPin } from './manifest.js';

export const CHARTS_FOLDER = 'charts/';

/** `sha256sum` lines (`<hex>  <path>\n`) of the chart's files, paths relative to its folder. */
export function chartListing(files: ReadonlyMap<string, Uint8Array>): string {
  return [...files]
    .sort(([a], [b]) => comparePaths(a, b))
    .map(([path, bytes]) => `${sha256Hex(bytes)}  ${path}\n`)
    .join('');
}

/** The pin of a chart whose files (paths relative to `charts/<name>/`) are given. */
export function chartPin(name: string, version: string, files: ReadonlyMap<string, Uint8Array>): ChartPin {
  return { name, version, sha256: sha256Hex(new TextEncoder().encode(chartListing(files))) };
}

/** The files of `charts/<name>/` in a tree (paths relative to the chart's folder). */
export function chartFolder(tree: ReadonlyMap<string, Uint8Array>, name: string): Map<string, Uint8Array> {
  const prefix = `${CHARTS_FOLDER}${name}/`;
  return new Map([...tree].filter(([path]) => path.startsWith(prefix)).map(([path, bytes]) => [path.slice(prefix.length), bytes] as const));
}

/**
 * Each chart's pin, computed on first use from `filesOf` (its files, paths relative to its folder):
 * every Kubernetes folder of a fleet pins one of a few charts, and finding and hashing a chart's
 * files is the costly part.
 */
export function chartPinsOnFirstUse<Chart extends { name: string; version: string }>(filesOf: (chart: Chart) => ReadonlyMap<string, Uint8Array>): (chart: Chart) => ChartPin {
  const pins = new Map<string, ChartPin>();
  return (chart) => {
    const key = `${chart.name}\0${chart.version}`;
    let pin = pins.get(key);
    if (!pin) {
      pin = chartPin(chart.name, chart.version, filesOf(chart));
      pins.set(key, pin);
    }
    return pin;
  };
}

/** The pins of the charts a tree holds (see `chartPinsOnFirstUse`). */
export function heldChartPins(tree: ReadonlyMap<string, Uint8Array>): (name: string, version: string) => ChartPin {
  const pinOf = chartPinsOnFirstUse((chart: { name: string; version: string }) => chartFolder(tree, chart.name));
  return (name, version) => pinOf({ name, version });
}
