import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, platform } from 'node:os';
import { dirname, join } from 'node:path';
import vm from 'node:vm';

/**
 * Runs the CLI's CommonJS bundle with a V8 code cache. Node 20 caches no compiled code for ES
 * modules, and a one-environment rebuild spent about a sixth of its time parsing and compiling
 * Slipway's code again; with the cache V8 takes the bytecode of every function the same command
 * ran last time instead (measured: 0.45-0.61 s -> 0.37-0.48 s).
 *
 * The cache is a file per bundle, Node and command in a folder of the user's own cache
 * (`$XDG_CACHE_HOME/slipway/code`, `~/.cache/slipway/code`, `%LOCALAPPDATA%\slipway\code`), or
 * the folder `SLIPWAY_CODE_CACHE` names; `SLIPWAY_CODE_CACHE=off` turns it off. Its name carries
 * the sha256 of the bundle's bytes: V8 itself only checks a cache against the source's length.
 * The folder must be the user's own and writable by no one else, since what V8 reads from it
 * runs as code. Anything wrong with the cache — missing, rejected by V8, unwritable — means the
 * code is compiled as it would be without one; nothing about it ever changes what the CLI does.
 */
export interface LoadedBundle {
  exports: Record<string, unknown>;
  /** Whether V8 took the compiled code from the cache. */
  fromCache: boolean;
  /** Writes the cache when there was none fit to use, once the command has run (so it holds what it compiled). */
  keep(): void;
}

export function loadBundle(file: string, command: string | undefined, env: NodeJS.ProcessEnv = process.env): LoadedBundle {
  const kind = commandName(command);
  const { exports, fromCache } = runCommonJs(file, kind, env);
  registry(env).bundle ??= { file, command: kind };
  return { exports, fromCache, keep: keepCaches };
}

/**
 * The bundle this thread runs (`loadBundle`), and the command whose cache it was compiled with: a
 * render worker runs the same bundle, compiled from the same cache, which holds the generators the
 * main thread ran too. Undefined when this thread runs Slipway's modules unbundled.
 */
export function runningBundle(): { file: string; command: string; loader: string } | undefined {
  const bundle = (globalThis as RegistryHolder)[registryKey]?.bundle;
  return bundle && { ...bundle, loader: import.meta.url };
}

/**
 * A CommonJS file of the package (the generated validators, the precompiled templates), run as
 * `require` would run it, once per process, compiled with the code cache too: the schemas'
 * validators alone are 0.6 MB of code that every command loads.
 */
export function requireCached(file: string): unknown {
  const loaded = registry(process.env).loaded;
  let exports = loaded.get(file);
  if (exports === undefined) {
    exports = runCommonJs(file, 'module', process.env).exports;
    loaded.set(file, exports);
  }
  return exports;
}

/** Writes the cache of every file this process compiled without one, now that it has run. */
export function keepCaches(): void {
  const state = (globalThis as RegistryHolder)[registryKey];
  if (state?.folder === undefined) return;
  for (const [name, script] of state.pending) writeCache(state.folder, name, script.createCachedData());
  if (state.pending.size > 0) pruneCaches(state.folder, state.used);
  state.pending.clear();
}

/**
 * What this process compiled through the cache. Kept on the global object: the CLI's entry and its
 * bundle each hold a copy of this module, and the entry writes what the bundle's copy compiled.
 */
interface Registry {
  folder: string | undefined;
  /** The bundle `loadBundle` ran first. */
  bundle?: { file: string; command: string };
  /** Compiled without a cache fit to use: their cache is written by `keepCaches`. */
  pending: Map<string, vm.Script>;
  /** The names of every cache this process used or is to write: never pruned. */
  used: Set<string>;
  loaded: Map<string, unknown>;
}

const registryKey = Symbol.for('slipway.code-cache');
type RegistryHolder = { [registryKey]?: Registry };

function registry(env: NodeJS.ProcessEnv): Registry {
  const holder = globalThis as RegistryHolder;
  return (holder[registryKey] ??= { folder: cacheFolder(env), pending: new Map(), used: new Set(), loaded: new Map() });
}

function runCommonJs(file: string, kind: string, env: NodeJS.ProcessEnv): { exports: Record<string, unknown>; fromCache: boolean } {
  const bytes = readFileSync(file);
  const state = registry(env);
  const name = `${createHash('sha256').update(`${process.version}\0${process.arch}\0`).update(bytes).digest('hex').slice(0, 32)}-${kind}.cache`;
  const cached = state.folder === undefined ? undefined : readCache(join(state.folder, name));
  // The wrapper Node puts around a CommonJS module, so the code sees the same five names.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${bytes.toString('utf8')}\n})`, {
    filename: file,
    ...(cached ? { cachedData: cached } : {}),
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {} as Record<string, unknown> };
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  const fresh = cached === undefined || script.cachedDataRejected === true;
  if (state.folder !== undefined) {
    state.used.add(name);
    if (fresh) state.pending.set(name, script);
  }
  return { exports: module.exports, fromCache: !fresh };
}

/** The folder of the cache, made if need be, or undefined when there is none to use safely. */
export function cacheFolder(env: NodeJS.ProcessEnv): string | undefined {
  const asked = env.SLIPWAY_CODE_CACHE;
  if (asked === 'off') return undefined;
  const folder = asked ? asked : join(userCacheRoot(env), 'slipway', 'code');
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const stats = lstatSync(folder);
    if (!stats.isDirectory()) return undefined;
    // Another user's folder, or one others may write to, could hand V8 code to run as this user.
    if (platform() !== 'win32' && (stats.uid !== process.getuid?.() || (stats.mode & 0o022) !== 0)) return undefined;
    return folder;
  } catch {
    return undefined;
  }
}

function userCacheRoot(env: NodeJS.ProcessEnv): string {
  if (platform() === 'win32') return env.LOCALAPPDATA || join(homedir(), 'AppData', 'Local');
  return env.XDG_CACHE_HOME || join(homedir(), '.cache');
}

/** Each command compiles different code: its own cache. Anything that is not a command name shares one. */
function commandName(command: string | undefined): string {
  return command !== undefined && /^[a-z][a-z-]{0,19}$/.test(command) ? command : 'other';
}

function readCache(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** Written beside and renamed into place: a reader sees a whole cache or none. */
function writeCache(folder: string, name: string, data: Buffer): void {
  const temporary = join(folder, `.${name}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, data, { mode: 0o600 });
    renameSync(temporary, join(folder, name));
  } catch {
    rmSync(temporary, { force: true });
  }
}

/** How long the cache of another bundle (or Node) is kept: another installation may still use it. */
const keptDays = 14;

/**
 * Each upgrade of Slipway or Node leaves the caches of the last one: those not written for two
 * weeks go (one still in use is written again on its next run), with what a killed writer left.
 * Only this folder's own kind of files are touched, and none this process used.
 */
function pruneCaches(folder: string, used: ReadonlySet<string>, now = Date.now()): void {
  try {
    for (const name of readdirSync(folder)) {
      const ours = /^[0-9a-f]{32}-[a-z-]+\.cache$/.test(name) ? !used.has(name) : /^\.[0-9a-f]{32}-[a-z-]+\.cache\.\d+\.tmp$/.test(name);
      if (!ours) continue;
      const path = join(folder, name);
      if (now - lstatSync(path).mtimeMs > keptDays * 86_400_000) rmSync(path, { force: true });
    }
  } catch {
    // Pruning is housekeeping: a folder that cannot be listed keeps its files.
  }
}
