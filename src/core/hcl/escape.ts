/**
 * Escaping of HCL quoted strings. A quoted string in HCL is a template: besides the usual
 * backslash escapes, `${` starts an interpolation and `%{` a directive, and `$${` / `%%{` are
 * their literal spellings. Every string Slipway writes goes through `quoteString`, so text from the
 * inputs always arrives as text.
 */

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** UTF-8 cannot carry a lone surrogate; it becomes U+FFFD, as any UTF-8 encoder would make it. */
export function wellFormed(text: string): string {
  return text.replace(loneSurrogate, '\uFFFD');
}

/** The template-sequence escapes alone: what a string literal looks like in Terraform's JSON syntax too. */
export function escapeTemplateSequences(text: string): string {
  // A replacer function, not a replacement string: in one, `$$` would mean a single `$`.
  return text.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
}

/**
 * Characters written as `\uNNNN` although HCL would accept most of them raw: control characters,
 * line and paragraph separators, and bidirectional overrides — so a reviewer reading the diff sees
 * exactly what Terraform will see (no hidden line breaks, no reordered text).
 */
const escapedAsCodePoint = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069\uFEFF]/g;

/** Whatever `quoteString` would change: most strings (names, ids, paths) hold none of it and are quoted as they are. */
const needsEscaping = /[\u0000-\u001F"\\$%\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069\uFEFF\uD800-\uDFFF]/;

export function quoteString(value: string): string {
  if (!needsEscaping.test(value)) return `"${value}"`;
  const escaped = escapeTemplateSequences(wellFormed(value))
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(escapedAsCodePoint, (char) => `\\u${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
  return `"${escaped}"`;
}
