import { BugError } from '../../src/core/errors.js';
import type { ResolvedEnvironment, ResolvedService } from '../../src/model/index.js';

/** Sizes from the Kubernetes quantities services and stores are declared with, and the machines that hold them. */

/** `"500m"` → 500, `"1.5"` → 1500. */
export function milliCpu(quantity: string | undefined, fallback = 250): number {
  if (quantity === undefined) return fallback;
  const milli = /^([0-9]+)m$/.exec(quantity);
  if (milli) return Number(milli[1]);
  if (/^[0-9]+(\.[0-9]+)?$/.test(quantity)) return Math.round(Number(quantity) * 1000);
  throw new BugError(`unexpected CPU quantity ${JSON.stringify(quantity)}`);
}

const byteUnits: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50 };

function bytes(quantity: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/.exec(quantity);
  if (!match) throw new BugError(`unexpected size quantity ${JSON.stringify(quantity)}`);
  return Number(match[1]) * byteUnits[match[2] ?? '']!;
}

/** Memory in MiB, rounded up. */
export function mebibytes(quantity: string | undefined, fallback = 512): number {
  return quantity === undefined ? fallback : Math.ceil(bytes(quantity) / 2 ** 20);
}

/** Storage in GiB, rounded up (what AWS and DigitalOcean call GB for volumes and databases). */
export function gibibytes(quantity: string | undefined, fallback: number): number {
  return quantity === undefined ? fallback : Math.ceil(bytes(quantity) / 2 ** 30);
}

export interface Capacity {
  cpus: number;
  memoryGiB: number;
}

/** Whole CPUs and GiB of memory the services ask for, at their minimum replicas (at rest) or their maximum (at peak). */
function footprint(services: readonly ResolvedService[], at: 'min' | 'max' = 'min'): Capacity {
  let milli = 0;
  let mib = 0;
  for (const service of services) {
    const replicas = Math.max(1, service.scaling[at]);
    milli += milliCpu(service.resources.cpu) * replicas;
    mib += mebibytes(service.resources.memory) * replicas;
  }
  return { cpus: milli / 1000, memoryGiB: mib / 1024 };
}

/** The smallest machine (the list is smallest first) that holds a Compose host's services at rest, or else the largest. */
export function composeHostSize<Size extends Capacity>(sizes: readonly Size[], services: readonly ResolvedService[]): Size {
  const load = footprint(services);
  // Embedded stores and the OS take their share beside the services.
  const needed = { cpus: load.cpus + 1, memoryGiB: load.memoryGiB + 2 };
  return sizes.find((candidate) => candidate.cpus >= needed.cpus && candidate.memoryGiB >= needed.memoryGiB) ?? sizes[sizes.length - 1]!;
}

/** GiB the embedded stores' data takes on a Compose host (10 for a store that names no size). */
export function embeddedStoreGiB(environment: ResolvedEnvironment): number {
  return environment.resources.filter((resource) => !resource.managed).reduce((sum, resource) => sum + gibibytes(resource.storage, 10), 0);
}

/**
 * Bounds of a Kubernetes node pool of `node`s (what each offers pods) for the services: enough
 * nodes at rest (three in production, two elsewhere, at least), one spare beyond the peak.
 */
export function nodePoolBounds(node: Capacity, services: readonly ResolvedService[], production: boolean): { min: number; max: number } {
  const nodesFor = (load: Capacity) => Math.max(Math.ceil(load.cpus / node.cpus), Math.ceil(load.memoryGiB / node.memoryGiB));
  const min = Math.max(production ? 3 : 2, nodesFor(footprint(services, 'min')));
  return { min, max: Math.max(min, nodesFor(footprint(services, 'max')) + 1) };
}
