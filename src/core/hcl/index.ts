export * from './ast.js';
export { quoteString, escapeTemplateSequences, wellFormed } from './escape.js';
export { renderFile, renderValue, renderExpression } from './render.js';

import { textBytes } from '../serialize.js';
import type { HclFile } from './ast.js';
import { renderFile } from './render.js';

/** The bytes of a `.tf` file. */
export function hclBytes(file: HclFile): Uint8Array {
  return textBytes(renderFile(file));
}
