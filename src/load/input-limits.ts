/** The limits every input file is held to, whichever reader reads it. */

/** Files larger than this are refused before parsing: no legitimate input is this big. */
export const maxFileBytes = 1024 * 1024;
/** Caps alias expansion so a "billion laughs" document fails fast instead of eating memory. */
export const maxAliasCount = 100;
/**
 * Keys, items and values in one file. The largest real input of one target (an environment, a
 * service) has a few hundred; a file past this is generated or hostile, and every later stage would
 * pay for it.
 */
export const maxNodes = 20_000;
/**
 * The same for a policy, which grows with the fleet: the attestation policy holds six nodes per
 * environment it has a result for, 30,000 at 5,000 environments. The file size limit still bounds it.
 */
export const maxPolicyNodes = 400_000;

/** How many keys, items and values the input at `path` (relative to the root) may hold. */
export function nodeLimitOf(path: string): number {
  return path.startsWith('policies/') ? maxPolicyNodes : maxNodes;
}

/**
 * Characters no input value may hold: C0 and C1 controls but tab and newline (an ESC would reach a
 * README or a terminal as a command), DEL, and the bidirectional overrides that make text read
 * differently from what it is (U+202A–U+202E, U+2066–U+2069).
 */
export const forbiddenCharacter = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
