export * from './ast.js';
export { quoteString, escapeTemplateSequences, wellFormed } from './escape.js';
export { renderFile, renderValue, renderExpression } from './render.js';
export { expectedHclJson, expectedBlockJson, expectedValueJson } from './json-shape.js';

import type { HclFile } from './ast.js';
import { renderFile } from './render.js';

const encoder = new TextEncoder();

/** The bytes of a `.tf` file. */
export function hclBytes(file: HclFile): Uint8Array {
  return encoder.encode(renderFile(file));
}
