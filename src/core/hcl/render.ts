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
  // Comment text is written, never parsed: control characters become spaces so it stays one line.
  return lines
    .flatMap((line) => line.split('\n'))
    .map((line) => wellFormed(line).replace(/[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g, ' ').trimEnd())
    .map((line) => (line === '' ? `${indent}#\n` : `${indent}# ${line}\n`))
    .join('');
}

function renderBlock(block: Block, indent: string): string {
  const header = [block.type, ...block.labels.map((label) => quoteString(label))].join(' ');
  const comment = block.comment && block.comment.length > 0 ? commentLines(block.comment, indent) : '';
  const inner = joinLines(bodyLines(block.body, `${indent}  `), `${indent}  `);
  return inner === '' ? `${comment}${indent}${header} {}\n` : `${comment}${indent}${header} {\n${inner}${indent}}\n`;
}

type AttributeLine = { kind: 'attribute'; key: string; value: string };
type Line = AttributeLine | { kind: 'block'; text: string };

function bodyLines(body: Body, indent: string): Line[] {
  const lines: Line[] = [];
  for (const [name, value] of Object.entries(body)) {
    if (value === undefined) continue;
    checkedIdentifier(name, value instanceof NestedBlocks ? 'block type' : 'attribute name');
    if (value instanceof NestedBlocks) {
      for (const nestedBody of value.bodies) lines.push({ kind: 'block', text: renderBlock({ type: name, labels: value.labels, body: nestedBody }, indent) });
    } else {
      lines.push({ kind: 'attribute', key: name, value: renderValue(value, indent) });
    }
  }
  return lines;
}

/** Attribute runs with aligned `=`, blank lines around nested blocks. */
function joinLines(lines: readonly Line[], indent: string): string {
  let text = '';
  let run: Array<{ key: string; value: string }> = [];
  let previous: 'attribute' | 'block' | undefined;
  const flush = () => {
    const width = Math.max(0, ...run.map((line) => line.key.length));
    for (const line of run) text += `${indent}${line.key.padEnd(width)} = ${line.value}\n`;
    run = [];
  };
  for (const line of lines) {
    if (line.kind === 'block') {
      flush();
      if (previous !== undefined) text += '\n';
      text += line.text;
      previous = 'block';
      continue;
    }
    if (previous === 'block') text += '\n';
    if (line.value.includes('\n')) {
      flush();
      text += `${indent}${line.key} = ${line.value}\n`;
    } else {
      run.push(line);
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
  const inline = `[${rendered.join(', ')}]`;
  const simple = items.every((item) => !Array.isArray(item) && !isObjectValue(item));
  if (simple && !inline.includes('\n') && indent.length + inline.length <= inlineListWidth) return inline;
  return `[\n${rendered.map((item) => `${inner}${item},\n`).join('')}${indent}]`;
}

function renderObject(object: Readonly<Record<string, Value | undefined>>, indent: string): string {
  const inner = `${indent}  `;
  const lines: AttributeLine[] = [];
  for (const [key, value] of Object.entries(object)) {
    if (value === undefined) continue;
    lines.push({ kind: 'attribute', key: isBareKey(key) ? key : quoteString(key), value: renderValue(value, inner) });
  }
  if (lines.length === 0) return '{}';
  // A short object of simple values stays on one line, as `terraform fmt` leaves it.
  const inline = `{ ${lines.map((line) => `${line.key} = ${line.value}`).join(', ')} }`;
  const simple = Object.values(object).every((value) => value === undefined || (!Array.isArray(value) && !isObjectValue(value)));
  if (simple && lines.length <= inlineObjectEntries && !inline.includes('\n') && indent.length + inline.length <= inlineListWidth) return inline;
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
