/**
 * Release signing (SPEC §4): what the CLI and the loader use from outside this folder. The build
 * itself signs through `release-files.ts`; readers of release.json use `manifest.ts` directly.
 */
export { keyId, parsePrivateKeyPem, parsePublicKeyPem } from '../core/signing/keys.js';
export { AGE_IDENTITY_FILE, SIGNING_KEY_FILE, SIGNING_PUBLIC_KEY_FILE, writeKeyPair } from './keygen.js';
export { COMMIT_KEY_FILE, COMMIT_PUBLIC_KEY_FILE, DEFAULT_COMMIT_USER_ID, writeCommitKeyPair } from './commit-keygen.js';
