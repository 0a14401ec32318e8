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
 * The pins of the charts a tree holds, each computed on first use: every Kubernetes folder of a
 * fleet pins one of a few charts, and finding and hashing a chart's files costs a walk of the tree.
 */
export function heldChartPins(tree: ReadonlyMap<string, Uint8Array>): (name: string, version: string) => ChartPin {
  const pins = new Map<string, ChartPin>();
  return (name, version) => {
    const key = `${name}\0${version}`;
    let pin = pins.get(key);
    if (!pin) {
      pin = chartPin(name, version, chartFolder(tree, name));
      pins.set(key, pin);
    }
    return pin;
  };
}
