import { hash } from 'node:crypto';

export function sha256Hex(bytes: Uint8Array): string {
  // The one-shot form: a fleet hashes tens of thousands of small files, and a Hash object per file costs more than the hashing.
  return hash('sha256', bytes, 'hex');
}
