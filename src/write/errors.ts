import { UserError } from '../core/errors.js';

/** What a file-system error while writing means for the person who chose the path. */
const reasons: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted there',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exhausted',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'a part of the path is a file, not a folder',
  ENOENT: 'the folder cannot hold new files (a special file system such as /proc, or it vanished)',
  EISDIR: 'a folder stands where a file must go',
  EIO: 'the device reported an input/output error',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the path is too long',
  EXDEV: 'the staging folder and the destination are on different file systems',
};

/**
 * Runs a write to a place the user named (`--out`, the source tree's secrets/) and turns a file
 * system's refusal into a UserError that names the place and the reason; anything else is a bug.
 */
export function writingTo<T>(place: string, write: () => T): T {
  try {
    return write();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code !== undefined && code in reasons) throw new UserError(`cannot write ${place}: ${reasons[code]} (${code}); choose another place or fix its permissions`);
    throw error;
  }
}
