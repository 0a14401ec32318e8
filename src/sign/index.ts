/** Release signing (SPEC §4): keys, the release manifest, signatures, verification, keygen. */
export {
  generateSigningKey,
  keyId,
  parsePrivateKeyPem,
  parsePublicKeyPem,
  privateKeyToPem,
  publicKeyOf,
  publicKeyToPem,
  type GeneratedSigningKey,
} from './keys.js';
export {
  API_VERSION,
  MANIFEST_FILE,
  SIGNATURE_FILE,
  canonicalJson,
  comparePaths,
  manifestBytes,
  manifestFiles,
  manifestProblems,
  parseManifest,
  pathProblem,
  sha256Hex,
  type ManifestFile,
  type ReleaseManifest,
} from './manifest.js';
export { parseSignatureFile, signBytes, signatureFileText, verifyBytes } from './signature.js';
export { signRelease, type SignedRelease } from './release.js';
export {
  loadTrustedKeys,
  verifyEnvironment,
  verifyOutputTree,
  type EnvironmentFolder,
  type VerifiedEnvironment,
  type VerifyFailure,
  type VerifyResult,
} from './verify.js';
export {
  AGE_IDENTITY_FILE,
  SIGNING_KEY_FILE,
  SIGNING_PUBLIC_KEY_FILE,
  ageIdentityFileText,
  writeKeyPair,
  type KeyPairFiles,
} from './keygen.js';
