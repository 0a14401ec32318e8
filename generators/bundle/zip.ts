import { createRequire } from 'node:module';
import type { Zippable } from 'fflate';
import { compareText } from '../../src/core/diagnostics.js';

/** fflate, loaded with the first bundle rather than by every command that loads the generators (its CommonJS build, synchronously). */
let fflate: typeof import('fflate') | undefined;
const zipper = () => (fflate ??= createRequire(import.meta.url)('fflate') as typeof import('fflate'));

export interface ZipEntry {
  path: string;
  bytes: Uint8Array;
  /** Unix permission bits: 0o644 for files, 0o755 for scripts. */
  mode: number;
}

/** A zip whose bytes depend only on its entries: sorted names, one timestamp, fixed Unix modes, entries stored. */
export function deterministicZip(entries: readonly ZipEntry[]): Uint8Array {
  // The DOS-time epoch. fflate reads a Date's local-time fields, so a Date built from local fields
  // (at call time, in the zone then in force) gives the same bytes in every time zone.
  const fixedTime = new Date(1980, 0, 1, 0, 0, 0);
  const data: Zippable = {};
  // Stored, not deflated: the bundle lives in a git repository, which compresses every blob itself
  // and stores a new release of a bundle as a delta of the last one; entries deflated inside the zip
  // defeat both, and deflating them was a tenth of a fleet build's time.
  for (const entry of [...entries].sort((a, b) => compareText(a.path, b.path))) {
    data[entry.path] = [entry.bytes, { level: 0, mtime: fixedTime, os: 3, attrs: ((0o100000 | entry.mode) << 16) >>> 0 }];
  }
  return zipper().zipSync(data);
}
