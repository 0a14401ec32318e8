import { BugError } from '../errors.js';
import {
  Expression,
  ForExpression,
  FunctionCall,
  NestedBlocks,
  Traversal,
  checkedIdentifier,
  isBareKey,
  isObjectValue,
  type Block,
  type Body,
  type HclFile,
  type Value,
} from './ast.js';
import { quoteString, wellFormed } from './escape.js';

/**
 * Layout in the style of `terraform fmt`: two-space indents; `=` aligned within a run of
 * consecutive single-line attributes (a multi-line value, a nested block or a blank line ends the
 * run, as in hclwrite); a blank line around nested blocks and between top-level blocks. Order is
 * the order the generator built, which is itself deterministic.
 */
export function renderFile(file: HclFile): string {
  const parts: string[] = [];
  if (file.header && file.header.length > 0) parts.push(commentLines(file.header, ''));
  for (const block of file.blocks) parts.push(renderBlock(block, ''));
  return parts.join('\n');
}

const inlineListWidth = 100;
const inlineObjectEntries = 3;

function commentLines(lines: readonly string[], indent: string): string {
  let text = '';
  for (const given of lines) {
    // Comment text is written, never parsed: control characters become spaces so it stays one line.
    for (const part of given.split('\n')) {
      const line = commentUnsafe.test(part) ? wellFormed(part).replace(controlCharacters, ' ').trimEnd() : part.trimEnd();
      text += line === '' ? `${indent}#\n` : `${indent}# ${line}\n`;
    }
  }
  return text;
}

const controlCharacters = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g;
/** What `commentLines` changes besides trailing blanks: control characters and lone surrogates. */
const commentUnsafe = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\uD800-\uDFFF]/;

function renderBlock(block: Block, indent: string): string {
  let header = block.type;
  for (const label of block.labels) header += ` ${quoteString(label)}`;
  const comment = block.comment && block.comment.length > 0 ? commentLines(block.comment, indent) : '';
  const inner = joinLines(bodyLines(block.body, `${indent}  `), `${indent}  `);
  return inner === '' ? `${comment}${indent}${header} {}\n` : `${comment}${indent}${header} {\n${inner}${indent}}\n`;
}

/** An attribute's text; `multiline` when the value spans lines (which ends a run of aligned `=`). */
type AttributeLine = { kind: 'attribute'; key: string; value: string; multiline: boolean };
type Line = AttributeLine | { kind: 'block'; text: string };

function bodyLines(body: Body, indent: string): Line[] {
  const lines: Line[] = [];
  const names = Object.keys(body);
  for (let index = 0; index < names.length; index++) {
    const name = names[index]!;
    const value = body[name];
    if (value === undefined) continue;
    if (value instanceof NestedBlocks) {
      checkedIdentifier(name, 'block type');
      for (const nestedBody of value.bodies) lines.push({ kind: 'block', text: renderBlock({ type: name, labels: value.labels, body: nestedBody }, indent) });
    } else {
      checkedIdentifier(name, 'attribute name');
      lines.push(attributeLine(name, value, indent));
    }
  }
  return lines;
}

function attributeLine(key: string, value: Value, indent: string): AttributeLine {
  const text = renderValue(value, indent);
  // A scalar never spans lines (a string's line breaks are escapes); only a collection or an expression holding one may.
  return { kind: 'attribute', key, value: text, multiline: typeof value === 'object' && value !== null && text.includes('\n') };
}

/** Attribute runs with aligned `=`, blank lines around nested blocks. */
function joinLines(lines: readonly Line[], indent: string): string {
  let text = '';
  let runStart = 0;
  let runEnd = 0;
  let previous: 'attribute' | 'block' | undefined;
  const flush = () => {
    let width = 0;
    for (let index = runStart; index < runEnd; index++) width = Math.max(width, (lines[index] as AttributeLine).key.length);
    for (let index = runStart; index < runEnd; index++) {
      const line = lines[index] as AttributeLine;
      text += `${indent}${line.key.padEnd(width)} = ${line.value}\n`;
    }
  };
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.kind === 'block') {
      flush();
      runStart = runEnd = index + 1;
      if (previous !== undefined) text += '\n';
      text += line.text;
      previous = 'block';
      continue;
    }
    if (previous === 'block') text += '\n';
    if (line.multiline) {
      flush();
      runStart = runEnd = index + 1;
      text += `${indent}${line.key} = ${line.value}\n`;
    } else {
      runEnd = index + 1;
    }
    previous = 'attribute';
  }
  flush();
  return text;
}

/** The text of a value whose first line starts at `indent`'s depth; later lines carry their own indent. */
export function renderValue(value: Value, indent: string): string {
  if (typeof value === 'string') return quoteString(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new BugError(`HCL cannot hold the number ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value === null) return 'null';
  if (value instanceof Expression) return renderExpression(value, indent);
  if (Array.isArray(value)) return renderList(value as readonly Value[], indent);
  if (isObjectValue(value)) return renderObject(value, indent);
  throw new BugError(`not an HCL value: ${String(value)}`);
}

function renderList(items: readonly Value[], indent: string): string {
  if (items.length === 0) return '[]';
  const inner = `${indent}  `;
  const rendered = items.map((item) => renderValue(item, inner));
  if (items.every(isSimple)) {
    const inline = `[${rendered.join(', ')}]`;
    if (indent.length + inline.length <= inlineListWidth && !inline.includes('\n')) return inline;
  }
  let text = '[\n';
  for (const item of rendered) text += `${inner}${item},\n`;
  return `${text}${indent}]`;
}

/** Neither a list nor an object: what a list or object written on one line may hold. */
function isSimple(value: Value | undefined): boolean {
  return !Array.isArray(value) && !isObjectValue(value);
}

function renderObject(object: Readonly<Record<string, Value | undefined>>, indent: string): string {
  const inner = `${indent}  `;
  const lines: AttributeLine[] = [];
  let simple = true;
  for (const key of Object.keys(object)) {
    const value = object[key];
    if (value === undefined) continue;
    simple &&= isSimple(value);
    lines.push(attributeLine(isBareKey(key) ? key : quoteString(key), value, inner));
  }
  if (lines.length === 0) return '{}';
  // A short object of simple values stays on one line, as `terraform fmt` leaves it.
  if (simple && lines.length <= inlineObjectEntries) {
    const inline = `{ ${lines.map((line) => `${line.key} = ${line.value}`).join(', ')} }`;
    if (indent.length + inline.length <= inlineListWidth && !inline.includes('\n')) return inline;
  }
  return `{\n${joinLines(lines, inner)}${indent}}`;
}

export function renderExpression(expression: Expression, indent: string): string {
  if (expression instanceof Traversal) {
    return (
      expression.root +
      expression.steps
        .map((step) =>
          step.kind === 'attribute' ? `.${step.name}` : step.kind === 'splat' ? '[*]' : `[${typeof step.key === 'number' ? String(step.key) : renderExpression(step.key, indent)}]`,
        )
        .join('')
    );
  }
  if (expression instanceof FunctionCall) {
    return `${expression.name}(${expression.args.map((arg) => renderValue(arg, indent)).join(', ')})`;
  }
  if (expression instanceof ForExpression) {
    const head = `for ${expression.variables.join(', ')} in ${renderExpression(expression.collection, indent)} :`;
    if (expression.form === 'tuple') return `[${head} ${renderValue(expression.value, indent)}]`;
    return `{ ${head} ${renderValue(expression.key!, indent)} => ${renderValue(expression.value, indent)} }`;
  }
  throw new BugError('unknown HCL expression');
}
