/**
 * The deploy repository (SPEC §3): the tree `build` writes and `publish` commits, as every command
 * reads it. One reader with one rule for links and special files (`src/core/tree.ts`), one set of
 * manifest checks for an environment folder, one reading of `index.json`.
 */
export { hideCredentials } from './checkout.js';
export { checkEnvironmentFolder } from './environment-check.js';
export { environmentFolderPaths, environmentFolders, extraEnvironment, folderFiles, isExtra, isManaged, isReleaseFile, parseLoosely, readIndex, type FileMap, type IndexEntry } from './layout.js';
export { openPrevious, previousFromFiles, readDeployState, type PreviousTree } from './previous.js';
export { readDeployTree } from './read.js';
export { checkDeployTree, type TreeCheck, type VerifiedEnvironment } from './tree-check.js';
export { loadTrustedKeys, verifyOutputTree } from './verify.js';
