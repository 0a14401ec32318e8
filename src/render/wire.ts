import { BugError, IntegrityError, PublishError, UsageError, UserError } from '../core/errors.js';
import type { WireEnvironmentInputs } from '../load/environment-inputs.js';
import { isSourceFile, reparsedOnDemand } from '../load/source-file.js';
import type { ResolvedEnvironment } from '../model/index.js';
import type { ReleaseOptions } from '../sign/release-files.js';
import { keepsSignature, type SignatureKeeper } from '../sign/revocation.js';
import type { RenderedFolder, RenderJob } from './folder.js';

/**
 * What crosses between the main thread and a render worker, as structured clone carries it: no
 * function, no class but the built-in ones. A model's source files (a parsed YAML document each,
 * for the positions of findings) cross as their path and text, parsed again on the worker only if
 * something there asks for a position; the signature predicate crosses as the keys it is made of.
 */

/**
 * A source file on its way to a worker; the worker gives it back its document, parsed on demand.
 * Its text crosses once per worker: the services' files are in every environment's model, and
 * cloning their text into every job was a third of what a job weighed. Later stubs carry the id.
 */
interface SourceStub {
  path: string;
  /** The same for every stub of one source file in this process. */
  id: number;
  /** Absent when this worker was sent the text before (under the same id). */
  text?: string;
}

export interface WireJob {
  kind: 'render';
  index: number;
  /** The model, each `SourceFile` in it replaced by one stub (listed in `sources`). */
  model: unknown;
  sources: SourceStub[];
  release: Omit<ReleaseOptions, 'keepSignature'>;
  /** The keys of the `keepsSignature` predicate, when the job has one. */
  keepSignatureKeys?: Uint8Array[];
}

export interface WireError {
  name: string;
  message: string;
  stack?: string;
}

/**
 * Environments to read for the load stage, sent to every worker started early: each thread takes
 * the next index from `claims` (shared), so the work goes to whichever thread is free.
 */
export interface WireLoadTask {
  kind: 'load';
  root: string;
  names: string[];
  claims: Int32Array;
}

export type WorkerTask = WireJob | WireLoadTask;

export type WorkerMessage =
  | { kind: 'rendered'; index: number; paths: string[]; ends: number[]; bytes: ArrayBuffer; manifestSha256: string; changed: boolean }
  | { kind: 'loaded'; index: number; inputs: WireEnvironmentInputs }
  /** `index` -1: the worker itself failed (it did not start, or a message could not be read). */
  | { kind: 'failed'; index: number; error: WireError };

/** Whether the job can be posted to a worker: its signature predicate, if any, was made by `keepsSignature`. */
export function crosses(job: RenderJob): boolean {
  return job.release.keepSignature === undefined || keeperKeys(job.release.keepSignature) !== undefined;
}

/**
 * The job as it is posted to a worker. `sentTexts`: the ids of the source files whose text that
 * worker already holds (updated here); without it, every text crosses.
 */
export function wireJob(index: number, job: RenderJob, sentTexts?: Set<number>): WireJob {
  const { keepSignature, ...release } = job.release;
  const keys = keepSignature === undefined ? undefined : keeperKeys(keepSignature);
  if (keepSignature !== undefined && keys === undefined) throw new BugError(`${job.model.name}: a signature predicate not made by keepsSignature cannot be sent to a render worker`);
  const sources: SourceStub[] = [];
  const copy = cloneable(job.model.name, sources, sentTexts);
  const wire: WireJob = {
    kind: 'render',
    index,
    model: copy(job.model),
    sources,
    release: copy(release) as WireJob['release'],
    ...(keys ? { keepSignatureKeys: keys.map((key) => copy(key) as Uint8Array) } : {}),
  };
  // Counted as sent only once the whole job was copied: a job refused halfway is never posted.
  for (const source of sources) if (source.text !== undefined) sentTexts?.add(source.id);
  return wire;
}

function keeperKeys(keepSignature: NonNullable<ReleaseOptions['keepSignature']>): readonly Uint8Array[] | undefined {
  return (keepSignature as Partial<SignatureKeeper>).publicKeys;
}

/** The job a worker received, whole again. */
export function receivedJob(job: WireJob): RenderJob {
  for (const stub of job.sources) {
    if (stub.text === undefined) {
      const text = receivedTexts.get(stub.id);
      if (text === undefined) throw new BugError(`${stub.path} came to a render worker without its text, which it was never sent`);
      stub.text = text;
    } else receivedTexts.set(stub.id, stub.text);
    reparsedOnDemand(stub as { path: string; text: string });
  }
  const keepSignature = job.keepSignatureKeys ? keeperOf(job.keepSignatureKeys) : undefined;
  return { model: job.model as ResolvedEnvironment, release: { ...job.release, ...(keepSignature ? { keepSignature } : {}) } };
}

/**
 * A rendered folder as one message: every file's bytes copied into one buffer that is transferred,
 * not copied again. A file's own buffer could not be transferred safely: a generator may hand out
 * bytes it keeps (a static script it read once), and a transfer would empty them for the next job.
 */
export function renderedMessage(index: number, folder: RenderedFolder): { message: WorkerMessage; transfer: ArrayBuffer[] } {
  const bytes = new Uint8Array(folder.files.reduce((total, file) => total + file.bytes.byteLength, 0));
  const ends: number[] = [];
  let offset = 0;
  for (const file of folder.files) {
    bytes.set(file.bytes, offset);
    offset += file.bytes.byteLength;
    ends.push(offset);
  }
  const message: WorkerMessage = { kind: 'rendered', index, paths: folder.files.map((file) => file.path), ends, bytes: bytes.buffer, manifestSha256: folder.manifestSha256, changed: folder.changed };
  return { message, transfer: [bytes.buffer] };
}

/** The folder a worker rendered; each file is a view of the one transferred buffer. */
export function receivedFolder(message: Extract<WorkerMessage, { kind: 'rendered' }>): RenderedFolder {
  let start = 0;
  const files = message.paths.map((path, i) => {
    const end = message.ends[i]!;
    const file = { path, bytes: new Uint8Array(message.bytes, start, end - start) };
    start = end;
    return file;
  });
  return { files, manifestSha256: message.manifestSha256, changed: message.changed };
}

const errorClasses: Record<string, new (message: string) => Error> = {
  BugError,
  UserError,
  UsageError,
  IntegrityError,
  PublishError,
  Error,
  TypeError,
  RangeError,
  ReferenceError,
  SyntaxError,
};

/** A worker's error as the main thread throws it: the same class and message, the worker's stack. */
export function rebuiltError(wire: WireError): Error {
  const error = new (errorClasses[wire.name] ?? Error)(wire.message);
  if (error.name !== wire.name) error.name = wire.name;
  if (wire.stack) error.stack = wire.stack;
  return error;
}

/**
 * A deep copy that structured clone carries faithfully: plain objects, arrays, Maps, Sets, dates
 * and Uint8Arrays (one that views part of a larger buffer is copied out of it, or the clone would
 * carry the whole buffer). Shared objects stay shared. Anything else is refused loudly rather than
 * sent as something else, naming where it sits (found by a second walk: the first keeps no path,
 * since every job of a fleet is copied and almost none is refused).
 */
function cloneable(environment: string, sources: SourceStub[], sentTexts: ReadonlySet<number> | undefined): (value: unknown) => unknown {
  const copies = new Map<object, unknown>();
  const copy = (value: unknown): unknown => {
    if (typeof value !== 'object' || value === null) {
      if (typeof value === 'function' || typeof value === 'symbol') throw new Refused(value, `a ${typeof value}`);
      return value;
    }
    const known = copies.get(value);
    if (known !== undefined) return known;
    if (Array.isArray(value)) {
      const array = new Array<unknown>(value.length);
      copies.set(value, array);
      for (let index = 0; index < value.length; index++) array[index] = copy(value[index]);
      return array;
    }
    const prototype = Object.getPrototypeOf(value) as unknown;
    if (prototype === Object.prototype || prototype === null) {
      if (isSourceFile(value)) {
        const id = sourceIdOf(value);
        const stub: SourceStub = sentTexts?.has(id) ? { path: value.path, id } : { path: value.path, id, text: value.text };
        copies.set(value, stub);
        sources.push(stub);
        return stub;
      }
      const object: Record<string, unknown> = {};
      copies.set(value, object);
      for (const key of Object.keys(value)) {
        const item = copy((value as Record<string, unknown>)[key]);
        // A key `__proto__` (data from an input) stays a key.
        if (key === '__proto__') Object.defineProperty(object, key, { value: item, enumerable: true, writable: true, configurable: true });
        else object[key] = item;
      }
      return object;
    }
    if (value instanceof Uint8Array) {
      const whole = value.constructor === Uint8Array && value.byteOffset === 0 && value.byteLength === value.buffer.byteLength;
      const bytes = whole ? value : new Uint8Array(value);
      copies.set(value, bytes);
      return bytes;
    }
    if (value instanceof Map) {
      const map = new Map();
      copies.set(value, map);
      for (const [key, item] of value) map.set(copy(key), copy(item));
      return map;
    }
    if (value instanceof Set) {
      const set = new Set();
      copies.set(value, set);
      for (const item of value) set.add(copy(item));
      return set;
    }
    if (value instanceof Date) {
      const date = new Date(value.getTime());
      copies.set(value, date);
      return date;
    }
    throw new Refused(value, `an instance of ${(prototype as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'a class'}`);
  };
  return (value) => {
    try {
      return copy(value);
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      const where = pathTo(value, error.value);
      throw new BugError(`${environment}: ${where?.join('.') || 'the job'} cannot be sent to a render worker (${error.what})`);
    }
  };
}

/** Ids of source files on this (the main) thread: one per file object. */
const sourceIds = new WeakMap<object, number>();
let nextSourceId = 0;
function sourceIdOf(file: object): number {
  let id = sourceIds.get(file);
  if (id === undefined) {
    id = nextSourceId++;
    sourceIds.set(file, id);
  }
  return id;
}

/** Texts of source files this worker was sent, by id: later jobs name them by id alone. */
const receivedTexts = new Map<number, string>();

class Refused extends Error {
  constructor(
    readonly value: unknown,
    readonly what: string,
  ) {
    super(what);
  }
}

/** Where `target` first sits in `value`, as the copy walks it (Map keys as `key`, Set items as `item`). */
function pathTo(value: unknown, target: unknown, seen = new Set<object>()): Array<string | number> | undefined {
  if (value === target) return [];
  if (typeof value !== 'object' || value === null || seen.has(value) || isSourceFile(value)) return undefined;
  seen.add(value);
  const entries: Array<[string | number, unknown]> = Array.isArray(value)
    ? value.map((item, index) => [index, item])
    : value instanceof Map
      ? [...value].flatMap(([key, item]): Array<[string | number, unknown]> => [['key', key], [String(key), item]])
      : value instanceof Set
        ? [...value].map((item): [string, unknown] => ['item', item])
        : Object.entries(value);
  for (const [key, item] of entries) {
    const below = pathTo(item, target, seen);
    if (below) return [key, ...below];
  }
  return undefined;
}

/** One predicate per set of keys a worker is sent: node:crypto key objects are made once. */
const keepers = new Map<string, SignatureKeeper>();
function keeperOf(keys: Uint8Array[]): SignatureKeeper {
  const id = keys.map((key) => Buffer.from(key).toString('hex')).join(',');
  let keeper = keepers.get(id);
  if (!keeper) {
    keeper = keepsSignature(keys);
    keepers.set(id, keeper);
  }
  return keeper;
}
