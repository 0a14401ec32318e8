import { linkSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../core/errors.js';
import { processAlive, temporaryName } from './durable.js';

const lockWaitMs = 10 * 60 * 1000;
/** A lock file without a PID in it is one an older Slipway was still writing; after this, it is stale. */
const unnamedLockGraceMs = 10_000;

/**
 * Runs `action` holding an exclusive lock file beside the output (`<out>.lock`), so builds into one
 * `--out` (full ones, `--env` and `--shard` ones) take turns. The lock appears with its holder's PID
 * already in it (written beside it, then hard-linked into place), so a build killed while taking
 * it never leaves a lock that looks held; a lock whose holder has died is taken over.
 */
export function withOutputLock<T>(out: string, action: () => T): T {
  const release = takeOutputLock(out);
  try {
    return action();
  } finally {
    release();
  }
}

/** Takes the lock `withOutputLock` holds, for a writer whose work does not fit one call; returns its release. */
export function takeOutputLock(out: string): () => void {
  const lock = `${out}.lock`;
  const candidate = join(dirname(lock), temporaryName(basename(lock), 'staging'));
  const deadline = Date.now() + lockWaitMs;
  writeFileSync(candidate, String(process.pid));
  try {
    for (;;) {
      if (tryTake(candidate, lock)) break;
      const holder = lockHolder(lock);
      if (holder === 'gone') continue;
      if (holder === 'dead') {
        breakStaleLock(lock);
        continue;
      }
      if (Date.now() > deadline) throw new UserError(`another build has held ${lock} for 10 minutes; remove the file if no build is running`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  } finally {
    rmSync(candidate, { force: true });
  }
  return () => rmSync(lock, { force: true });
}

function tryTake(candidate: string, lock: string): boolean {
  try {
    linkSync(candidate, lock);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV') throw error;
  }
  // A file system without hard links: create exclusively, then write the PID (the grace period
  // above covers a build killed between the two).
  try {
    writeFileSync(lock, String(process.pid), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function lockHolder(lock: string): 'alive' | 'dead' | 'gone' {
  let text: string;
  try {
    text = readFileSync(lock, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
  if (!/^[1-9][0-9]*$/.test(text)) {
    const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0);
    return age > unnamedLockGraceMs ? 'dead' : 'alive';
  }
  return processAlive(Number(text)) ? 'alive' : 'dead';
}

/**
 * Removes a lock whose holder died. It is first renamed to a name of ours and checked again, so that
 * a lock another build took in the meantime is put back rather than deleted.
 */
function breakStaleLock(lock: string): void {
  const aside = join(dirname(lock), temporaryName(basename(lock), 'previous'));
  try {
    renameSync(lock, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    if (lockHolder(aside) === 'alive') linkSync(aside, lock);
  } catch (error) {
    // EEXIST: yet another build took the lock in this instant; it is the holder now.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(aside, { force: true });
  }
}
