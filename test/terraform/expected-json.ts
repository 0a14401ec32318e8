import { Expression, NestedBlocks, escapeTemplateSequences, isObjectValue, renderExpression, wellFormed, type Body, type HclFile, type Value } from '../../src/core/hcl/index.js';

/**
 * What HashiCorp's parser, through `@cdktf/hcl2json`, returns for a file this writer rendered:
 * blocks become arrays of bodies keyed by type and labels; literals their values (strings in
 * Terraform's JSON spelling, where `${` and `%{` stay escaped); expressions their source text
 * wrapped in `${…}`; object and tuple constructors are walked. Tests compare the parser's answer
 * with this, so the file means exactly what the builder meant. It shares the writer's escaping
 * helpers, so the known answers in hcl-writer.test.ts pin both against literal text.
 */
export function expectedHclJson(file: HclFile): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const block of file.blocks) addBlock(result, block.type, block.labels, bodyJson(block.body, '  '));
  return result;
}

function addBlock(target: Record<string, unknown>, type: string, labels: readonly string[], body: Record<string, unknown>): void {
  if (labels.length === 0) {
    const list = (target[type] ??= []) as unknown[];
    list.push(body);
    return;
  }
  let node = (target[type] ??= {}) as Record<string, unknown>;
  labels.slice(0, -1).forEach((label) => {
    node = (node[label] ??= {}) as Record<string, unknown>;
  });
  const last = labels[labels.length - 1]!;
  ((node[last] ??= []) as unknown[]).push(body);
}

function bodyJson(body: Body, indent: string): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body)) {
    if (value === undefined) continue;
    if (value instanceof NestedBlocks) {
      for (const nestedBody of value.bodies) addBlock(result, name, value.labels, bodyJson(nestedBody, `${indent}  `));
    } else {
      result[name] = expectedValueJson(value, indent);
    }
  }
  return result;
}

/** HCL normalises every string literal to Unicode NFC; the parser answers in Terraform's JSON spelling. */
function parsedString(text: string): string {
  return escapeTemplateSequences(wellFormed(text).normalize('NFC'));
}

/** The parser's JSON for one value written at `indent` (the indent of the line it starts on). */
export function expectedValueJson(value: Value, indent: string): unknown {
  if (typeof value === 'string') return parsedString(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  if (value instanceof Expression) return `\${${renderExpression(value, indent)}}`;
  if (Array.isArray(value)) return (value as readonly Value[]).map((item) => expectedValueJson(item, `${indent}  `));
  if (isObjectValue(value)) {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      // defineProperty, not assignment: a key "__proto__" is an ordinary key in HCL and in JSON.
      if (item !== undefined) Object.defineProperty(result, parsedString(key), { value: expectedValueJson(item, `${indent}  `), enumerable: true, writable: true, configurable: true });
    }
    return result;
  }
  throw new Error(`not an HCL value: ${String(value)}`);
}
