import { Octokit } from '@octokit/rest';
import { PublishError } from '../core/errors.js';
import { commitId, commitMessageText, commitPayload, isoSeconds, withSignature, type CommitAuthoring } from './commit-object.js';
import type { DeployRepository } from './index.js';
import { gitBlobId } from './output.js';
import { committedFiles, treeId } from './tree-id.js';
import { fileMode, headState, type RepoState } from './plan.js';
import { withRetry, type Backoff } from './retry.js';

export interface GitHubOptions {
  owner: string;
  repo: string;
  token: string;
  /** `GITHUB_API_URL` (GitHub Enterprise Server, or a test server); https://api.github.com by default. */
  baseUrl?: string;
  backoff: Backoff;
  log?: (line: string) => void;
  /** Commit author; GitHub uses the token's identity when absent. */
  author?: { name: string; email: string };
  /**
   * Sign the commit: author, committer and time are then sent explicitly (GitHub must write
   * exactly the bytes that were signed), with the armored signature in `signature`.
   */
  signing?: CommitAuthoring & { signer: NonNullable<CommitAuthoring['signer']> };
}

/** How far back `published` looks for a manifest in the branch's first-parent history. */
const HISTORY_DEPTH = 50;

interface TreeEntry {
  path?: string;
  mode?: string;
  type?: string;
  sha?: string | null;
  content?: string;
}

/** The submodules of each head read, which the tree id of a commit on top of it includes. */
const submodulesOf = new WeakMap<RepoState, ReadonlyMap<string, { id: string; mode: string }>>();

/** Blob uploads in flight at once (binary files only: bundles). */
const UPLOADS_AT_ONCE = 8;
/** Per tree request, well inside what GitHub accepts in one body. */
const TREE_ENTRIES_PER_REQUEST = 2000;
const TREE_CONTENT_PER_REQUEST = 4 * 1024 * 1024;

/**
 * GitHub through its Git Data API: the new tree on top of the head's, text sent inside the tree
 * requests (a few thousand entries each) and other content uploaded as blobs, then checked whole
 * against the tree id its files make; one commit, and a ref update with `force: false`, which
 * GitHub refuses (422) when the branch is no longer the commit's parent. Every call is retried on
 * rate limits and server errors.
 */
export function openGitHubRepository(options: GitHubOptions): DeployRepository {
  const { owner, repo, backoff } = options;
  const name = `github:${owner}/${repo}`;
  const octokit = new Octokit({
    auth: options.token,
    userAgent: 'slipway',
    ...(options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/$/, '') } : {}),
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
  const call = <T>(what: string, fn: () => Promise<T>) =>
    withRetry(fn, backoff, (delay, error) => options.log?.(`${name}: ${what} failed (${describe(error)}); retrying in ${Math.round(delay / 1000)}s`)).catch((error: unknown) => {
      if (error instanceof PublishError) throw error;
      throw new PublishError(`${name}: ${what} failed: ${describe(error)}`);
    });
  const trees = new Map<string, TreeEntry[]>();
  const listTree = async (sha: string): Promise<TreeEntry[]> => {
    if (!trees.has(sha)) trees.set(sha, (await call('reading a tree', () => octokit.rest.git.getTree({ owner, repo, tree_sha: sha }))).data.tree);
    return trees.get(sha)!;
  };
  const blobAt = async (tree: string, path: string): Promise<string | undefined> => {
    let current: string | undefined = tree;
    const parts = path.split('/');
    for (const [i, part] of parts.entries()) {
      const entry: TreeEntry | undefined = (await listTree(current!)).find((e) => e.path === part);
      if (!entry?.sha || entry.type !== (i === parts.length - 1 ? 'blob' : 'tree')) return undefined;
      current = entry.sha;
    }
    return current;
  };
  const headOf = async (branch: string): Promise<string | null> => {
    try {
      return (await octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}` })).data.object.sha;
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 404) return null;
      if (status === 409) throw new PublishError(`${name} is empty, and GitHub's Git Data API cannot write to an empty repository: push a first commit (a README will do), then publish`);
      throw error;
    }
  };
  const createRef = async (ref: string, sha: string): Promise<boolean> => {
    try {
      await call('creating a branch', () => octokit.rest.git.createRef({ owner, repo, ref, sha }));
      return true;
    } catch (error) {
      if (/Reference already exists|422/.test(String((error as Error).message))) return false;
      throw error;
    }
  };

  return {
    name,
    async defaultBranch() {
      return (await call('reading the repository', () => octokit.rest.repos.get({ owner, repo }))).data.default_branch;
    },

    async read(branch) {
      const commit = await call('reading the branch', () => headOf(branch));
      if (!commit) return state(null, null, new Map());
      const tree = (await call('reading the head commit', () => octokit.rest.git.getCommit({ owner, repo, commit_sha: commit }))).data.tree.sha;
      const files = new Map<string, { id: string; mode: string }>();
      // Submodules are not files Slipway reads or writes, but they are part of the tree it checks.
      const submodules = new Map<string, { id: string; mode: string }>();
      const listing = (await call('reading the tree', () => octokit.rest.git.getTree({ owner, repo, tree_sha: tree, recursive: 'true' }))).data;
      if (!listing.truncated) {
        for (const entry of listing.tree) {
          if (entry.type === 'blob' && entry.path && entry.sha) files.set(entry.path, { id: entry.sha, mode: entry.mode ?? '100644' });
          else if (entry.type === 'commit' && entry.path && entry.sha) submodules.set(entry.path, { id: entry.sha, mode: '160000' });
        }
      } else {
        // Too big for one recursive listing: walk the tree level by level.
        const walk = async (sha: string, prefix: string): Promise<void> => {
          for (const entry of await listTree(sha)) {
            if (!entry.path || !entry.sha) continue;
            if (entry.type === 'tree') await walk(entry.sha, `${prefix}${entry.path}/`);
            else if (entry.type === 'blob') files.set(prefix + entry.path, { id: entry.sha, mode: entry.mode ?? '100644' });
            else if (entry.type === 'commit') submodules.set(prefix + entry.path, { id: entry.sha, mode: '160000' });
          }
        };
        await walk(tree, '');
      }
      const read = state(commit, tree, files);
      submodulesOf.set(read, submodules);
      return read;
    },

    async commit(base, changes, message) {
      const known = new Set([...base.files.values()].map((entry) => entry.id));
      const entries: TreeEntry[] = [];
      const binary = new Map<string, { path: string; bytes: Uint8Array }>();
      // Each written file's blob id, computed once: the tree check below needs them all too.
      const ids = new Map<string, string | null>();
      for (const [path, bytes] of changes) {
        if (bytes === null) {
          ids.set(path, null);
          entries.push({ path, mode: base.files.get(path)?.mode ?? '100644', type: 'blob', sha: null });
          continue;
        }
        const id = gitBlobId(bytes);
        ids.set(path, id);
        const text = known.has(id) ? undefined : asText(bytes);
        if (text === undefined && !known.has(id) && !binary.has(id)) binary.set(id, { path, bytes });
        entries.push({ path, mode: fileMode(base, path), type: 'blob', ...(text === undefined ? { sha: id } : { content: text }) });
      }
      // Text goes inside the tree requests (GitHub writes those blobs itself): a fleet's tens of
      // thousands of files then cost a few dozen requests, not one each. Only other content is uploaded, once per content.
      await inTurns([...binary], UPLOADS_AT_ONCE, async ([id, { path, bytes }]) => {
        const created = await call(`uploading ${path}`, () => octokit.rest.git.createBlob({ owner, repo, content: Buffer.from(bytes).toString('base64'), encoding: 'base64' }));
        if (created.data.sha !== id) throw new PublishError(`${name} stored ${path} as ${created.data.sha}, expected ${id}`);
      });
      let treeSha = base.tree;
      for (const batch of treeBatches(entries)) {
        const base_tree = treeSha;
        const created = await call('creating the tree', () =>
          octokit.rest.git.createTree({ owner, repo, tree: batch as NonNullable<Parameters<typeof octokit.rest.git.createTree>[0]>['tree'], ...(base_tree ? { base_tree } : {}) }),
        );
        treeSha = created.data.sha;
      }
      // The tree GitHub made must be the one these files make: any byte stored otherwise changes its id.
      const expected = treeId(new Map([...committedFiles(base, ids), ...(submodulesOf.get(base) ?? [])]));
      if (treeSha !== expected) throw new PublishError(`${name} made the tree ${treeSha} of this publish, but its files make ${expected}: a file was stored other than it was sent; nothing was published`);
      const parents = base.commit ? [base.commit] : [];
      if (options.signing) return signedCommit(treeSha!, parents, message, options.signing);
      const commit = await call('creating the commit', () =>
        octokit.rest.git.createCommit({ owner, repo, message, tree: treeSha!, parents, ...(options.author ? { author: options.author } : {}) }),
      );
      return commit.data.sha;
    },

    async advance(branch, expected, commit) {
      if (expected === null) return createRef(`refs/heads/${branch}`, commit);
      try {
        await call('moving the branch', () => octokit.rest.git.updateRef({ owner, repo, ref: `heads/${branch}`, sha: commit, force: false }));
        return true;
      } catch (error) {
        // 422: "Update is not a fast forward" — someone else published first.
        if (/not a fast.forward|422/i.test(String((error as Error).message))) return false;
        throw error;
      }
    },

    async propose(base, commit, title, body) {
      const branch = `slipway/publish-${commit.slice(0, 12)}`;
      if (!(await createRef(`refs/heads/${branch}`, commit))) throw new PublishError(`${name} already has a branch ${branch}`);
      const pull = await call('opening the pull request', () => octokit.rest.pulls.create({ owner, repo, title, head: branch, base, body }));
      return { branch, url: pull.data.html_url };
    },

    async dispose() {},
  };

  /**
   * GitHub puts `signature` into the `gpgsig` header of the commit it writes from the other fields,
   * so the signature is made over that object as built here. The id GitHub answers with must be
   * this object's id: anything else means GitHub wrote other bytes than were signed, and a
   * reconciler would refuse the commit, so the publish stops before the branch moves.
   */
  async function signedCommit(tree: string, parents: string[], message: string, signing: NonNullable<GitHubOptions['signing']>): Promise<string> {
    const payload = commitPayload({ tree, parents, author: signing.author, committer: signing.committer, time: signing.time, message });
    const signature = await signing.signer.sign(payload, signing.time);
    const expected = commitId(withSignature(payload, signature));
    const date = isoSeconds(signing.time);
    const commit = await call('creating the signed commit', () =>
      octokit.rest.git.createCommit({
        owner,
        repo,
        message: commitMessageText(message),
        tree,
        parents,
        author: { ...signing.author, date },
        committer: { ...signing.committer, date },
        signature,
      }),
    );
    if (commit.data.sha !== expected) {
      throw new PublishError(`${name} wrote the signed commit as ${commit.data.sha}, not as the signed object ${expected}: its signature would not verify, so nothing was published`);
    }
    const verification = commit.data.verification;
    if (verification && !verification.verified) {
      options.log?.(`${name}: GitHub shows ${expected.slice(0, 12)} as unverified (${verification.reason}); add slipway-commit.pub.asc to the GPG keys of the account that owns the committer email ${signing.committer.email}`);
    }
    return expected;
  }

  function state(commit: string | null, tree: string | null, files: Map<string, { id: string; mode: string }>): RepoState {
    const blob = async (id: string, path: string) => {
      const { data } = await call(`reading ${path}`, () => octokit.rest.git.getBlob({ owner, repo, file_sha: id }));
      return new Uint8Array(Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8'));
    };
    return headState(name, { commit, tree, files }, blob, async (environment, manifest) => {
      const wanted = gitBlobId(manifest);
      let current: string | undefined = commit ?? undefined;
      for (let depth = 0; current && depth < HISTORY_DEPTH; depth++) {
        const sha: string = current;
        const data = (await call('reading history', () => octokit.rest.git.getCommit({ owner, repo, commit_sha: sha }))).data;
        if ((await blobAt(data.tree.sha, `environments/${environment}/release.json`)) === wanted) return true;
        current = data.parents[0]?.sha;
      }
      return false;
    });
  }
}

function describe(error: unknown): string {
  const e = error as { status?: number; message?: string };
  return e?.status ? `HTTP ${e.status}: ${e.message ?? ''}`.trim() : String(e?.message ?? error);
}

/** The text of bytes that are UTF-8 and read back as the same bytes; undefined for any other content. */
function asText(bytes: Uint8Array): string | undefined {
  const text = Buffer.from(bytes).toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : undefined;
}

/** The entries of one tree, in requests small enough for GitHub, each built on the tree of the one before. */
function treeBatches(entries: readonly TreeEntry[]): TreeEntry[][] {
  const batches: TreeEntry[][] = [[]];
  let size = 0;
  for (const entry of entries) {
    const weight = (entry.content?.length ?? 0) + (entry.path?.length ?? 0) + 64;
    const current = batches.at(-1)!;
    if (current.length > 0 && (current.length >= TREE_ENTRIES_PER_REQUEST || size + weight > TREE_CONTENT_PER_REQUEST)) {
      batches.push([entry]);
      size = weight;
    } else {
      current.push(entry);
      size += weight;
    }
  }
  return batches;
}

/** `each` of `items`, at most `limit` at a time, results in the items' order. */
async function inTurns<T, R>(items: readonly T[], limit: number, each: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await each(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
