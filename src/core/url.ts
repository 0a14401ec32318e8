/**
 * Percent-encoding for the user, password and database parts of a connection URL: everything but
 * RFC 3986's unreserved characters (letters, digits, `-._~`) becomes `%XX`, the same set jq's
 * `@uri` keeps, so a URL Slipway writes and one the install script writes agree byte for byte.
 */
export function encodeUrlText(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}
