import { BugError } from '../errors.js';

/**
 * The HCL syntax tree Slipway writes Terraform from. Literal values are plain JS data (a string is
 * always a string literal, escaped when rendered); the only way to write an expression is one of the
 * expression classes below, whose parts are checked identifiers. So no text from the inputs can ever
 * become HCL syntax: at worst it is a strangely spelled string.
 */
export type Value = string | number | boolean | null | readonly Value[] | ObjectValue | Expression;

/** An object constructor `{ key = value }`. `undefined` entries are left out (optional attributes). */
export interface ObjectValue {
  readonly [key: string]: Value | undefined;
}

const identifierPattern = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Keys and steps that HCL would read as keywords when bare. */
const reservedWords = new Set(['for', 'in', 'if', 'else', 'endif', 'endfor', 'true', 'false', 'null']);

/** An object key that may be written bare; anything else is written as an escaped string. */
export function isBareKey(text: string): boolean {
  return identifierPattern.test(text) && !reservedWords.has(text);
}

export function checkedIdentifier(text: string, what: string): string {
  if (identifiersSeen.has(text)) return text;
  if (!identifierPattern.test(text)) throw new BugError(`HCL ${what} ${JSON.stringify(text)} is not an identifier`);
  if (identifiersSeen.size >= 4096) identifiersSeen.clear();
  identifiersSeen.add(text);
  return text;
}

/** Identifiers already checked: the generators write the same few hundred names for every environment. */
const identifiersSeen = new Set<string>();

export abstract class Expression {
  protected readonly brand = 'hcl-expression';
}

export type TraversalStep = { kind: 'attribute'; name: string } | { kind: 'index'; key: number | Expression } | { kind: 'splat' };

/** `aws_vpc.main.id`, `aws_subnet.private[0].id`, `count.index`: a root name and checked steps. */
export class Traversal extends Expression {
  constructor(
    readonly root: string,
    readonly steps: readonly TraversalStep[],
  ) {
    super();
    checkedIdentifier(root, 'reference root');
    for (const step of steps) {
      if (step.kind === 'attribute') checkedIdentifier(step.name, 'attribute');
      else if (step.kind === 'index' && typeof step.key === 'number' && (!Number.isSafeInteger(step.key) || step.key < 0)) throw new BugError(`HCL index ${step.key} is not a whole number`);
    }
  }

  /** This reference followed by more attribute names (each may be dotted: `"a.b"`). */
  get(...names: string[]): Traversal {
    // Traversals are immutable and `ref` hands out the same one each time: what follows it is made once too.
    const key = names.length === 1 ? names[0]! : names.join('.');
    let made = this.followers?.get(key);
    if (!made) {
      made = new Traversal(this.root, [...this.steps, ...names.flatMap((name) => name.split('.')).map((name) => ({ kind: 'attribute' as const, name }))]);
      this.followers ??= new Map();
      if (this.followers.size >= 256) this.followers.clear();
      this.followers.set(key, made);
    }
    return made;
  }

  private followers?: Map<string, Traversal>;

  at(key: number | Expression): Traversal {
    return new Traversal(this.root, [...this.steps, { kind: 'index', key }]);
  }

  /** `…[*]`: the same attribute of every element. */
  all(): Traversal {
    return new Traversal(this.root, [...this.steps, { kind: 'splat' }]);
  }
}

/** `name(arg, …)`: a Terraform function call; the arguments are values like any other. */
export class FunctionCall extends Expression {
  constructor(
    readonly name: string,
    readonly args: readonly Value[],
  ) {
    super();
    checkedIdentifier(name, 'function name');
  }
}

/** `[for v in coll : value]` or `{ for k, v in coll : key => value }`. */
export class ForExpression extends Expression {
  constructor(
    readonly form: 'tuple' | 'object',
    readonly variables: readonly string[],
    readonly collection: Expression,
    readonly value: Value,
    readonly key?: Value,
  ) {
    super();
    if (variables.length < 1 || variables.length > 2) throw new BugError('a for expression takes one or two variables');
    for (const name of variables) checkedIdentifier(name, 'for variable');
    if ((form === 'object') !== (key !== undefined)) throw new BugError('only an object for expression has a key');
  }
}

/**
 * A reference from its parts, each checked: `ref('aws_vpc.main.id')`, `ref('aws_ecs_service', name, 'id')`.
 * A part may be a dotted path; a number is an index step.
 */
export function ref(...parts: Array<string | number>): Traversal {
  // Traversals are immutable, and a fleet's Terraform makes the same few hundred references for
  // every environment: each is built and checked once, found again part by part (a number and the
  // string of its digits are different parts).
  let node = references;
  for (const part of parts) {
    let next = node.next.get(part);
    if (!next) {
      if (referenceCount >= 10_000) {
        references.next.clear();
        referenceCount = 0;
      }
      next = { next: new Map() };
      node.next.set(part, next);
      referenceCount++;
    }
    node = next;
  }
  node.made ??= traversalOf(parts);
  return node.made;
}

interface ReferenceNode {
  made?: Traversal;
  next: Map<string | number, ReferenceNode>;
}

const references: ReferenceNode = { next: new Map() };
let referenceCount = 0;

function traversalOf(parts: ReadonlyArray<string | number>): Traversal {
  const names: TraversalStep[] = [];
  for (const part of parts) {
    if (typeof part === 'number') names.push({ kind: 'index', key: part });
    else for (const name of part.split('.')) names.push({ kind: 'attribute', name });
  }
  const [root, ...steps] = names;
  if (!root || root.kind !== 'attribute') throw new BugError('an HCL reference starts with a name');
  return new Traversal(root.name, steps);
}

export function call(name: string, ...args: Value[]): FunctionCall {
  return new FunctionCall(name, args);
}

export function forTuple(variable: string, collection: Expression, value: Value): ForExpression {
  return new ForExpression('tuple', [variable], collection, value);
}

export function forObject(variables: string[], collection: Expression, key: Value, value: Value): ForExpression {
  return new ForExpression('object', variables, collection, value, key);
}

/** Nested blocks inside a body: `nested({...})` is one `key { ... }`, `nested([a, b])` two of them. */
export class NestedBlocks {
  constructor(
    readonly bodies: readonly Body[],
    readonly labels: readonly string[] = [],
  ) {
    for (const label of labels) checkedIdentifier(label, 'block label');
  }
}

export function nested(body: Body | readonly Body[]): NestedBlocks {
  return new NestedBlocks(Array.isArray(body) ? (body as readonly Body[]) : [body as Body]);
}

/** A nested block with labels, such as `backend "s3" { … }`. */
export function labeled(labels: string | string[], body: Body): NestedBlocks {
  return new NestedBlocks([body], typeof labels === 'string' ? [labels] : labels);
}

/** A block body: attributes and nested blocks, in the order given; `undefined` entries are left out. */
export interface Body {
  readonly [name: string]: Value | NestedBlocks | undefined;
}

export interface Block {
  readonly type: string;
  readonly labels: readonly string[];
  readonly body: Body;
  /** Comment lines written above the block (plain text; never parsed as HCL). */
  readonly comment?: readonly string[];
}

export interface HclFile {
  readonly header?: readonly string[];
  readonly blocks: readonly Block[];
}

export function block(type: string, labels: readonly string[], body: Body, comment?: readonly string[]): Block {
  checkedIdentifier(type, 'block type');
  for (const label of labels) checkedIdentifier(label, 'block label');
  return comment ? { type, labels, body, comment } : { type, labels, body };
}

export const resource = (type: string, name: string, body: Body, comment?: readonly string[]): Block => block('resource', [type, name], body, comment);
export const data = (type: string, name: string, body: Body, comment?: readonly string[]): Block => block('data', [type, name], body, comment);
export const variable = (name: string, body: Body): Block => block('variable', [name], body);
export const output = (name: string, body: Body): Block => block('output', [name], body);
export const provider = (name: string, body: Body): Block => block('provider', [name], body);
export const terraform = (body: Body, comment?: readonly string[]): Block => block('terraform', [], body, comment);

/** Whether a value is an HCL object constructor (a plain object, not an expression). */
export function isObjectValue(value: unknown): value is ObjectValue {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Expression) && !(value instanceof NestedBlocks);
}
