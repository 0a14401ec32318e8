import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWithTool, toolPresent } from '../../test/support/tools.js';
import { useScratchFolders } from '../../test/support/tree.js';
import { IntegrityError, UserError } from '../core/errors.js';
import { GitFileMap } from './git-state.js';
import { openPrevious, previousFromFiles, readDeployState } from './previous.js';

/**
 * `diff --against` a repository reads git's objects, not a checkout: the same files as a checkout
 * of the same commit would give, asked for by path, with a fingerprint per environment folder that
 * moves with its content and nothing else.
 */
const scratchFolder = useScratchFolders('slipway-git-state-');

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, stdio: 'pipe' }).toString('utf8').trim();

function write(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

const deployFiles = {
  'index.json': '{"environments": []}\n',
  'README.md': '# deploy\n',
  'CODEOWNERS': '* @platform\n',
  '.github/workflows/sync.yml': 'on: push\n',
  'api/v1/deployment-server/target-policy.json': '{}\n',
  'charts/app/Chart.yaml': 'name: app\n',
  'environments/a/release.json': '{"environment":"a"}',
  'environments/a/release.json.sig': 'signature a\n',
  'environments/a/k8s/namespace.yaml': 'kind: Namespace\n',
  'environments/a/extra/patch.yaml': 'patch: 1\n',
  'environments/b/release.json': '{"environment":"b"}',
  'environments/b/k8s/namespace.yaml': 'kind: Namespace\n',
};

/** A work tree with the deploy files committed on `main`, and a bare clone of it. */
function repository(): { work: string; bare: string } {
  const work = scratchFolder();
  write(work, deployFiles);
  git(work, 'init', '-q', '-b', 'main');
  git(work, 'add', '.');
  git(work, 'commit', '-qm', 'deploy');
  const bare = `${work}.git`;
  git(work, 'clone', '-q', '--bare', work, bare);
  return { work, bare };
}

/** `body` with the temporary folder (where a clone goes) one of its own, so what is left there can be counted. */
function withOwnTemporaryFolder<T>(body: (folder: string) => T): T {
  const folder = scratchFolder();
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = folder;
  try {
    return body(folder);
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

/** What `open` gives, having checked it left nothing in the temporary folder: a local repository is read in place. */
function openedInPlace<T>(open: () => T): T {
  return withOwnTemporaryFolder((folder) => {
    const opened = open();
    expect(readdirSync(folder)).toEqual([]);
    return opened;
  });
}

const text = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);
const asObject = (files: ReadonlyMap<string, Uint8Array>) => Object.fromEntries([...files].map(([path, bytes]) => [path, text(bytes)]));

describeWithTool('git', toolPresent('git'))('a deploy state read from git objects', () => {
  it('holds what a checkout of the same commit holds, and no work tree is written', () => {
    const { work, bare } = repository();
    const fromGit = openedInPlace(() => readDeployState(bare, work));
    const fromFolder = readDeployState(work, work);
    try {
      expect(fromGit.files).toBeInstanceOf(GitFileMap);
      expect([...fromGit.files.keys()].sort()).toEqual([...fromFolder.files.keys()].sort());
      expect(fromGit.files.has('CODEOWNERS')).toBe(false);
      expect(text(fromGit.files.get('environments/b/k8s/namespace.yaml'))).toBe('kind: Namespace\n');
      expect(fromGit.files.get('environments/c/release.json')).toBeUndefined();
      expect(asObject(fromGit.files)).toEqual(asObject(fromFolder.files));

      const previous = previousFromFiles(fromGit.files, fromGit.origin);
      expect(text(previous.signature('a'))).toBe('signature a\n');
      expect(previous.signature('b')).toBeUndefined();
      expect(asObject(previous.folder('a'))).toEqual(asObject(previousFromFiles(fromFolder.files, 'folder').folder('a')));
    } finally {
      fromGit.dispose();
    }
  });

  it('fingerprints a folder by its files: a commit changing one moves its fingerprint alone, and its extra files do not count', () => {
    const { work } = repository();
    const fingerprints = () => {
      const state = readDeployState(`${work}#main`, work);
      try {
        const previous = previousFromFiles(state.files, state.origin);
        return { a: previous.fingerprint!('a'), b: previous.fingerprint!('b'), none: previous.fingerprint!('c') };
      } finally {
        state.dispose();
      }
    };
    const first = fingerprints();
    expect(first.a).toMatch(/^[0-9a-f]{64}$/);
    expect(first.none).toBeUndefined();
    expect(fingerprints()).toEqual(first);

    write(work, { 'environments/a/extra/patch.yaml': 'patch: 2\n' });
    git(work, 'commit', '-qam', 'extra');
    expect(fingerprints()).toEqual(first);

    write(work, { 'environments/b/k8s/namespace.yaml': 'kind: Namespace # edited\n' });
    git(work, 'commit', '-qam', 'edit');
    const edited = fingerprints();
    expect(edited.a).toBe(first.a);
    expect(edited.b).not.toBe(first.b);
  });

  it('reads a branch, a tag or a commit in place, clones a URL, and takes an empty repository or a branch not made yet as an empty state', () => {
    const { work, bare } = repository();
    const first = git(work, 'rev-parse', 'HEAD');
    git(work, 'tag', 'v1');
    write(work, { 'README.md': '# deploy, later\n' });
    git(work, 'commit', '-qam', 'later');
    const readme = (spec: string) => {
      const state = readDeployState(spec, work);
      try {
        return text(state.files.get('README.md'));
      } finally {
        state.dispose();
      }
    };
    expect(readme(`${work}#main`)).toBe('# deploy, later\n');
    expect(readme(`${work}#v1`)).toBe('# deploy\n');
    expect(readme(`${work}#${first}`)).toBe('# deploy\n');
    expect(readme(`file://${bare}#main`)).toBe('# deploy\n');
    expect(() => readDeployState(`${work}#nope`, work)).toThrow(UserError);

    withOwnTemporaryFolder((folder) => {
      const cloned = readDeployState(`file://${bare}`, work);
      expect(readdirSync(folder)).toEqual([expect.stringMatching(/^slipway-deploy-state-/)]);
      expect(text(cloned.files.get('environments/a/release.json'))).toBe('{"environment":"a"}');
      cloned.dispose();
      expect(readdirSync(folder)).toEqual([]);
    });

    expect(readDeployState(bare, work, 'not-made-yet').files.size).toBe(0);
    const empty = `${scratchFolder()}/empty.git`;
    git(work, 'init', '-q', '--bare', empty);
    expect(readDeployState(empty, work).files.size).toBe(0);
  });

  it('gives a build --previous the release files and folders it asks for, reading no other blob', () => {
    const { work, bare } = repository();
    // Environment b's own file, gone from the repository's objects: only reading b's folder needs it.
    const id = git(bare, 'rev-parse', 'HEAD:environments/b/k8s/namespace.yaml');
    expect(git(bare, 'rev-parse', 'HEAD:environments/a/k8s/namespace.yaml')).toBe(id);
    write(work, { 'environments/a/k8s/namespace.yaml': 'kind: Namespace # a\n' });
    git(work, 'commit', '-qam', 'a differs');
    rmSync(bare, { recursive: true });
    git(work, 'clone', '-q', '--bare', work, bare);
    rmSync(join(bare, 'objects', id.slice(0, 2), id.slice(2)));

    const previous = openedInPlace(() => openPrevious(bare, work));
    const fromFolder = openPrevious(work, work);
    try {
      for (const name of ['a', 'b', 'c']) {
        expect(text(previous.manifest(name))).toBe(text(fromFolder.manifest(name)));
        expect(text(previous.signature(name))).toBe(text(fromFolder.signature(name)));
      }
      expect(text(previous.releaseIndex()?.manifest)).toBe(text(fromFolder.releaseIndex()?.manifest));
      expect(asObject(previous.folder('a'))).toEqual(asObject(fromFolder.folder('a')));
      expect(() => previous.folder('b')).toThrow(IntegrityError);
    } finally {
      previous.dispose();
    }
  });

  it('reads a folder that is a clean checkout from its objects, and any other folder as the files it holds', () => {
    const { work } = repository();
    const read = () => {
      const state = readDeployState(work, work);
      try {
        return { fromGit: state.files instanceof GitFileMap, readme: text(state.files.get('README.md')), added: state.files.has('environments/a/k8s/added.yaml') };
      } finally {
        state.dispose();
      }
    };
    expect(read()).toEqual({ fromGit: true, readme: '# deploy\n', added: false });
    write(work, { 'README.md': '# deploy, edited\n' });
    expect(read()).toEqual({ fromGit: false, readme: '# deploy, edited\n', added: false });
    git(work, 'commit', '-qam', 'edited');
    expect(read()).toEqual({ fromGit: true, readme: '# deploy, edited\n', added: false });
    write(work, { 'environments/a/k8s/added.yaml': 'kind: ConfigMap\n' });
    expect(read()).toEqual({ fromGit: false, readme: '# deploy, edited\n', added: true });
    write(work, { '.gitignore': 'added.yaml\n' });
    git(work, 'add', '.gitignore');
    git(work, 'commit', '-qm', 'ignore');
    // Ignored by git, but a file of the folder all the same.
    expect(read()).toEqual({ fromGit: false, readme: '# deploy, edited\n', added: true });
    rmSync(join(work, 'environments/a/k8s/added.yaml'));
    expect(read()).toEqual({ fromGit: true, readme: '# deploy, edited\n', added: false });
  });

  it('reads the repository it was given, whatever git variables it inherits (as inside a git hook)', () => {
    const { work, bare } = repository();
    const other = repository();
    write(other.work, { 'README.md': '# another repository\n' });
    git(other.work, 'commit', '-qam', 'other');
    const saved = { ...process.env };
    Object.assign(process.env, { GIT_DIR: join(other.work, '.git'), GIT_WORK_TREE: other.work, GIT_OBJECT_DIRECTORY: join(other.work, '.git', 'objects') });
    try {
      for (const spec of [bare, `${work}#main`, work]) {
        const state = readDeployState(spec, work);
        try {
          expect(text(state.files.get('README.md')), spec).toBe('# deploy\n');
        } finally {
          state.dispose();
        }
      }
    } finally {
      for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_OBJECT_DIRECTORY']) if (saved[name] === undefined) delete process.env[name];
    }
  });
});
