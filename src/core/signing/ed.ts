/**
 * The one place that loads `@noble/ed25519`. Version 3 leaves its synchronous SHA-512 unset;
 * every module that signs or verifies imports `ed` from here so the hash is always configured.
 */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';

ed.hashes.sha512 = sha512;

export { ed };
