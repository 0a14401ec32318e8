import type { Diagnostic } from '../core/diagnostics.js';
import { EXTRA_FOLDER } from '../core/output-file.js';
import { RELEASE_INDEX_FILE } from '../sign/release-index.js';
import type { TreeCheck } from './tree-check.js';

/**
 * What `verify` says of the hand-written files of the extra/ folders: each is a finding at the file
 * (paths relative to the tree), never a failure. They are the owners', like CODEOWNERS or workflows
 * (which verify lists as unmanaged): not signed, not checked, kept by every build and publish. A
 * notice each, so a reviewer sees what the signatures do not cover and a reconciler may still
 * apply; a warning for the extra/ of an environment gone from the root manifest, since whatever
 * still reconciles it applies what nobody builds any more.
 */
export function unmanagedFindings(check: Pick<TreeCheck, 'extra'>): Diagnostic[] {
  return check.extra.map((file): Diagnostic => {
    const at = { file: file.path, line: 1, column: 1 };
    if (file.orphaned) {
      return {
        ...at,
        severity: 'warning',
        code: 'orphaned-extra',
        message: `hand-written file of environment ${file.environment}, which ${RELEASE_INDEX_FILE} no longer lists: Slipway removed the environment's own files but never removes ${EXTRA_FOLDER}/; delete environments/${file.environment}/${EXTRA_FOLDER}/ (and whatever reconciles it), or move the file`,
      };
    }
    const owner = file.environment === undefined ? 'the repository' : `environment ${file.environment}`;
    return { ...at, severity: 'notice', code: 'unmanaged-file', message: `hand-written file of ${owner} (${EXTRA_FOLDER}/): kept by build and publish, not signed or checked by Slipway` };
  });
}
