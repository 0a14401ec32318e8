import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repositoryRoot } from '../support/tree.js';

interface Step {
  name?: string;
  id?: string;
  run?: string;
  env?: Record<string, string>;
  'working-directory'?: string;
}
const action = parse(readFileSync(join(repositoryRoot, 'action.yml'), 'utf8')) as { runs: { steps: Step[] } };

/**
 * Used as `uses: OWNER/slipway@vX` from another repository, the action's files are in
 * github.action_path and the workspace is the caller's source tree: nothing may assume they are
 * the same folder.
 */
describe('the composite action from another repository', () => {
  it('installs and builds in its own folder, dev dependencies included whatever NODE_ENV says', () => {
    const install = action.runs.steps.find((step) => step.name === 'Install Slipway')!;
    expect(install['working-directory']).toBe('${{ github.action_path }}');
    expect(install.run).toMatch(/npm ci --include=dev /);
    expect(install.run).toMatch(/npm run build/);
  });

  it("runs the action's own bin/slipway.js in the caller's working directory", () => {
    const run = action.runs.steps.find((step) => step.id === 'run')!;
    expect(run.env?.SLIPWAY_BIN).toBe('${{ github.action_path }}/bin/slipway.js');
    expect(run['working-directory']).toBe('${{ inputs.working-directory }}');
    expect(run.run).toMatch(/node "\$SLIPWAY_BIN"/);
  });

  it('ships in the npm package, with the license and the changelog', () => {
    const manifest = JSON.parse(readFileSync(join(repositoryRoot, 'package.json'), 'utf8')) as { files: string[]; license: string };
    expect(manifest.files).toEqual(expect.arrayContaining(['action.yml', 'CHANGELOG.md', 'src/**/*.hbs', 'schemas', 'bin']));
    expect(manifest.license).toBe('Apache-2.0');
    expect(readFileSync(join(repositoryRoot, 'LICENSE'), 'utf8')).toMatch(/^ +Apache License\n +Version 2\.0, January 2004\n[\s\S]*END OF TERMS AND CONDITIONS/);
  });
});
