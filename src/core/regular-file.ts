import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { UserError } from './errors.js';

/**
 * Reads a file that must be a regular file, without ever blocking: opened O_NONBLOCK (a FIFO
 * cannot hold the open), checked on the descriptor (what was opened is what is judged), read to at
 * most one byte past the limit (a device that never ends, or a file that grows, is still refused).
 */

export type RegularFileProblem =
  | { problem: 'absent' }
  | { problem: 'folder' }
  | { problem: 'special'; kind: string }
  | { problem: 'too-large'; size: number }
  | { problem: 'denied' }
  | { problem: 'link' };

export function describeKind(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isDirectory()) return 'a folder';
  return 'not a regular file';
}

/** The `code` of a Node file-system error, if it is one. */
export function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** The bytes of `path`, or why it is not a regular file Slipway may read. `followLinks: false` refuses a link as the last component. */
export function readRegularFile(path: string, limit: number, options: { followLinks: boolean } = { followLinks: true }): { bytes: Buffer; stats: Stats } | RegularFileProblem {
  let descriptor: number;
  try {
    descriptor = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (options.followLinks ? 0 : constants.O_NOFOLLOW));
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { problem: 'absent' };
    if (code === 'EACCES' || code === 'EPERM') return { problem: 'denied' };
    if (code === 'ELOOP') return { problem: 'link' };
    if (code === 'EISDIR') return { problem: 'folder' };
    if (code === 'ENXIO' || code === 'ENODEV' || code === 'EOPNOTSUPP') return { problem: 'special', kind: 'a socket or a device' };
    throw error;
  }
  try {
    const stats = fstatSync(descriptor);
    if (stats.isDirectory()) return { problem: 'folder' };
    if (!stats.isFile()) return { problem: 'special', kind: describeKind(stats) };
    if (stats.size > limit) return { problem: 'too-large', size: stats.size };
    const buffer = Buffer.alloc(Math.min(stats.size, limit) + 1);
    let length = 0;
    for (;;) {
      const count = readSync(descriptor, buffer, length, buffer.length - length, null);
      if (count === 0 || (length += count) === buffer.length) break;
    }
    if (length > limit) return { problem: 'too-large', size: length };
    return { bytes: buffer.subarray(0, length), stats };
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EISDIR') return { problem: 'folder' };
    if (code === 'EAGAIN' || code === 'EIO') return { problem: 'special', kind: 'not a regular file' };
    throw error;
  } finally {
    closeSync(descriptor);
  }
}

/** A sentence for a problem, about `what` (e.g. "the signing key key.pem"). */
export function regularFileProblemText(what: string, problem: RegularFileProblem, limit: number): string {
  switch (problem.problem) {
    case 'absent':
      return `${what} does not exist`;
    case 'folder':
      return `${what} is a folder, not a file`;
    case 'special':
      return `${what} is ${problem.kind}; only regular files are read`;
    case 'too-large':
      return `${what} is ${problem.size} bytes, over the limit of ${limit} bytes`;
    case 'denied':
      return `${what} cannot be read (permission denied)`;
    case 'link':
      return `${what} is a link; give the file itself`;
  }
}

/**
 * A file a person named on the command line or in an environment variable (a key, an identity),
 * as UTF-8 text; anything but a readable regular file under the limit is a UserError that says so.
 */
export function readNamedFile(path: string, what: string, limit = 1024 * 1024): string {
  const read = readRegularFile(path, limit);
  if ('bytes' in read) return read.bytes.toString('utf8');
  throw new UserError(regularFileProblemText(what, read, limit));
}
