import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compile.js';
import { fixedEpoch, repositoryRoot } from '../support/tree.js';

describe('the build renders infrastructure for ready targets only', () => {
  it('blocked targets get no terraform/ or ansible/ files; every ready cloud target gets terraform/, the bare-metal one ansible/', () => {
    const result = compile({ root: repositoryRoot, now: new Date(Number(fixedEpoch) * 1000) });
    expect(result.files, JSON.stringify(result.diagnostics.filter((d) => d.severity === 'error'))).toBeDefined();
    const paths = result.files!.map((file) => file.path);
    const has = (environment: string, folder: string) => paths.some((path) => path.startsWith(`environments/${environment}/${folder}/`));
    const blocked = result.targets.filter((target) => target.status === 'blocked').map((target) => target.name);
    expect(blocked.sort()).toEqual(['acme-onprem', 'ap-prod', 'stark-onprem', 'tyrell-pinned', 'vandelay-legacy']);
    for (const name of blocked) {
      expect(has(name, 'terraform'), name).toBe(false);
      expect(has(name, 'ansible'), name).toBe(false);
    }
    for (const target of result.targets.filter((candidate) => candidate.status === 'ready')) {
      const provider = target.model!.provider;
      expect(has(target.name, 'terraform'), target.name).toBe(provider !== 'bare-metal');
      expect(has(target.name, 'ansible'), target.name).toBe(provider === 'bare-metal');
    }
  });
});
