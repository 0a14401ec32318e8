import { BugError } from '../../src/core/errors.js';
import { milliCpu } from '../infrastructure-shared/sizing.js';

/**
 * Kubernetes quantities (what service.json speaks) in the units Docker Compose understands.
 * The schemas already restrict the input forms, so anything else here is a bug, not a user error.
 */

/** `"500m"` → 0.5, `"2"` → 2: Compose's `cpus` is a fraction of CPUs. */
export function composeCpus(quantity: string): number {
  return milliCpu(quantity) / 1000;
}

const binaryUnits: Record<string, { factor: bigint; docker: string }> = {
  Ki: { factor: 1n << 10n, docker: 'k' },
  Mi: { factor: 1n << 20n, docker: 'm' },
  Gi: { factor: 1n << 30n, docker: 'g' },
  Ti: { factor: 1n << 40n, docker: 't' },
  Pi: { factor: 1n << 50n, docker: 'p' },
};
const decimalFactors: Record<string, bigint> = { '': 1n, k: 10n ** 3n, M: 10n ** 6n, G: 10n ** 9n, T: 10n ** 12n, P: 10n ** 15n };

/**
 * `"768Mi"` → `"768m"`: Docker's k/m/g are binary, so whole binary quantities keep their unit;
 * decimal (`1G`) and fractional (`1.5Gi`) quantities become exact byte counts.
 */
export function composeMemory(quantity: string): string {
  const match = /^([0-9]+)(?:\.([0-9]+))?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/.exec(quantity);
  if (!match) throw new BugError(`unexpected memory quantity ${JSON.stringify(quantity)}`);
  const [, whole = '0', fraction, unit = ''] = match;
  const binary = binaryUnits[unit];
  if (binary && fraction === undefined) return `${whole}${binary.docker}`;
  const factor = binary ? binary.factor : decimalFactors[unit]!;
  const scale = 10n ** BigInt(fraction?.length ?? 0);
  const bytes = (BigInt(`${whole}${fraction ?? ''}`) * factor) / scale;
  return `${bytes}b`;
}
