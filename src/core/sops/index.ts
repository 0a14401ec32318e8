/**
 * SOPS files (YAML store, age keys only), as sops 3.9 and Flux's kustomize-controller read and
 * write them — encrypted and decrypted in TypeScript, no sops binary involved.
 *
 * - aes.ts       the ENC[AES256_GCM,…] value cipher (32-byte IV, key path as additional data)
 * - age.ts       the data key, age-encrypted (armored) to each recipient
 * - values.ts    Go's text forms of ints, floats and bools (types and the MAC)
 * - tree.ts      the walk over the data tree and the MAC
 * - document.ts  the YAML and the `sops` metadata
 * - encrypt.ts / decrypt.ts / update.ts  the operations below
 */
export { encryptSopsYaml } from './encrypt.js';
export { decryptSopsYaml } from './decrypt.js';
export { addOrReplaceSopsValues } from './update.js';
export { readSopsMetadata, SOPS_VERSION } from './document.js';
export { sopsYamlToDotenv } from './dotenv.js';
