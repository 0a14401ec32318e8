/** The text of bytes that are valid UTF-8, or undefined: a diff shows text, and only names a binary change. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
