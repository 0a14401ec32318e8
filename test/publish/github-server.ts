import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { fixturesDir } from '../support/tree.js';

/**
 * The part of GitHub's REST API Slipway's publisher calls, served on 127.0.0.1 over a real bare
 * repository: objects and refs are made by git plumbing, so what the client builds is real git.
 * Every request body is validated against GitHub's own request schemas (from @octokit/openapi);
 * anything unexpected is recorded in `problems`, which every test expects to stay empty.
 */
export interface FakeGitHub {
  url: string;
  requests: Array<{ method: string; path: string; body: unknown }>;
  problems: string[];
  pulls: Array<{ number: number; title: string; head: string; base: string; body: string }>;
  /** The next matching requests get these responses instead (rate limits, server errors). */
  fail(method: string, path: RegExp, ...responses: Array<{ status: number; headers?: Record<string, string>; body?: unknown }>): void;
  close(): Promise<void>;
}

export interface FakeGitHubOptions {
  bare: string;
  owner: string;
  repo: string;
  token: string;
  /** Answer recursive tree listings with `truncated: true`, as GitHub does for huge trees. */
  truncateRecursiveTrees?: boolean;
  /** Write signed commits with a final newline added to the message: a server that changes what was signed. */
  alterSignedMessages?: boolean;
  /** Store a tree entry's inline content with a final newline added: a server that changes a file. */
  alterInlineContent?: boolean;
}

type Operations = Record<string, { requestSchema: object }>;
const schemas = JSON.parse(readFileSync(join(fixturesDir, 'github', 'github-write-ops.request-schemas.json'), 'utf8')) as { operations: Operations };
// GitHub's schemas are OpenAPI 3.0 (`nullable`, which Ajv implements); ajv-formats is CommonJS.
const ajv = new Ajv({ strict: false, allErrors: true });
const addFormats = ((addFormatsModule as unknown as { default?: (a: Ajv) => Ajv }).default ?? addFormatsModule) as unknown as (a: Ajv) => Ajv;
addFormats(ajv);
ajv.addFormat('repo.nwo', /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/);
const validators = new Map<string, ValidateFunction>(Object.entries(schemas.operations).map(([key, op]) => [key, ajv.compile(op.requestSchema)]));

export async function startFakeGitHub(options: FakeGitHubOptions): Promise<FakeGitHub> {
  const { bare, owner, repo } = options;
  const scratch = mkdtempSync(join(tmpdir(), 'fake-github-'));
  const git = (args: string[], input?: string | Buffer, env: Record<string, string> = {}) =>
    execFileSync('git', ['--git-dir', bare, ...args], { input: input ?? '', env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const text = (args: string[], input?: string | Buffer, env?: Record<string, string>) => git(args, input, env).toString('utf8').trim();
  const failures: Array<{ method: string; path: RegExp; status: number; headers?: Record<string, string>; body?: unknown }> = [];
  const fake: FakeGitHub = {
    url: '',
    requests: [],
    problems: [],
    pulls: [],
    fail: (method, path, ...responses) => failures.push(...responses.map((r) => ({ method, path, ...r }))),
    close: () => new Promise((resolve) => server.close(() => (rmSync(scratch, { recursive: true, force: true }), resolve()))),
  };

  const checkBody = (operation: string, body: unknown) => {
    const validate = validators.get(operation)!;
    if (!validate(body)) fake.problems.push(`${operation}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(body).slice(0, 300)}`);
    // GitHub ignores unknown fields; a typo such as `forced` would then silently not apply.
    const known = Object.keys((schemas.operations[operation]!.requestSchema as { properties: object }).properties);
    for (const key of Object.keys(body as object)) if (!known.includes(key)) fake.problems.push(`${operation}: unknown field ${key}`);
  };
  const exists = (sha: string, type: string) => {
    try {
      return text(['cat-file', '-t', sha]) === type;
    } catch {
      return false;
    }
  };
  const refOf = (name: string) => {
    try {
      return text(['rev-parse', '--verify', `refs/heads/${name}^{commit}`]);
    } catch {
      return undefined;
    }
  };
  const treeEntries = (sha: string, recursive: boolean) =>
    text(['ls-tree', '-z', '-l', ...(recursive ? ['-r', '-t'] : []), sha])
      .split('\0')
      .filter(Boolean)
      .map((line) => {
        const [meta, path] = line.split('\t') as [string, string];
        const [mode, type, objectSha, size] = meta.split(/\s+/) as [string, string, string, string];
        return { path, mode, type, sha: objectSha, ...(type === 'blob' ? { size: Number(size) } : {}) };
      });
  const commitJson = (sha: string) => {
    const [tree, parents] = text(['show', '-s', '--format=%T%n%P', sha]).split('\n') as [string, string | undefined];
    const message = text(['show', '-s', '--format=%B', sha]);
    return { sha, tree: { sha: tree }, parents: (parents ?? '').split(' ').filter(Boolean).map((p) => ({ sha: p })), message };
  };

  /**
   * What GitHub documents for `signature`: it writes the commit from the request's fields (the
   * committer defaults to the author, dates to now) and puts the signature into the `gpgsig`
   * header. The object is assembled here with the fields as sent and written with git plumbing, so
   * `git verify-commit` on it passes only if the client signed exactly what GitHub writes. Without
   * the key registered on an account, GitHub answers `verified: false, reason: unknown_key`.
   */
  const signedCommit = (b: { message: string; tree: string; parents?: string[]; author?: { name: string; email: string; date?: string }; committer?: { name: string; email: string; date?: string }; signature: string }) => {
    const author = b.author ?? { name: 'token owner', email: 'owner@example.com' };
    const committer = b.committer ?? author;
    const stamp = (person: { name: string; email: string; date?: string }) => `${person.name} <${person.email}> ${Math.floor(Date.parse(person.date ?? new Date().toISOString()) / 1000)} +0000`;
    const headers = [`tree ${b.tree}`, ...(b.parents ?? []).map((parent) => `parent ${parent}`), `author ${stamp(author)}`, `committer ${stamp(committer)}`];
    const message = options.alterSignedMessages ? `${b.message}\n` : b.message;
    const payload = `${headers.join('\n')}\n\n${message}`;
    const gpgsig = `gpgsig ${b.signature.replace(/\n$/, '').split('\n').join('\n ')}`;
    const sha = text(['hash-object', '-t', 'commit', '-w', '--stdin'], `${headers.join('\n')}\n${gpgsig}\n\n${message}`);
    return { ...commitJson(sha), verification: { verified: false, reason: 'unknown_key', signature: b.signature, payload } };
  };

  type Reply = [number, unknown, Record<string, string>?];
  const route = (method: string, path: string, query: URLSearchParams, body: unknown): Reply => {
    const prefix = `/repos/${owner}/${repo}`;
    if (!path.startsWith(prefix)) return [404, { message: 'Not Found' }];
    const rest = path.slice(prefix.length);
    let m: RegExpExecArray | null;
    if (method === 'GET' && rest === '') return [200, { full_name: `${owner}/${repo}`, default_branch: 'main' }];
    if (method === 'GET' && (m = /^\/git\/ref\/heads\/(.+)$/.exec(rest))) {
      const sha = refOf(m[1]!);
      return sha ? [200, { ref: `refs/heads/${m[1]}`, object: { sha, type: 'commit' } }] : [404, { message: 'Not Found' }];
    }
    if (method === 'GET' && (m = /^\/git\/commits\/([0-9a-f]{40})$/.exec(rest))) return exists(m[1]!, 'commit') ? [200, commitJson(m[1]!)] : [404, { message: 'Not Found' }];
    if (method === 'GET' && (m = /^\/git\/trees\/([0-9a-f]{40})$/.exec(rest))) {
      if (!exists(m[1]!, 'tree')) return [404, { message: 'Not Found' }];
      const recursive = query.has('recursive');
      if (recursive && options.truncateRecursiveTrees) return [200, { sha: m[1], tree: treeEntries(m[1]!, false).slice(0, 1), truncated: true }];
      return [200, { sha: m[1], tree: treeEntries(m[1]!, recursive), truncated: false }];
    }
    if (method === 'GET' && (m = /^\/git\/blobs\/([0-9a-f]{40})$/.exec(rest))) {
      if (!exists(m[1]!, 'blob')) return [404, { message: 'Not Found' }];
      const content = git(['cat-file', 'blob', m[1]!]);
      return [200, { sha: m[1], size: content.length, content: content.toString('base64'), encoding: 'base64' }];
    }
    if (method === 'POST' && rest === '/git/blobs') {
      checkBody('POST /repos/{owner}/{repo}/git/blobs', body);
      const b = body as { content: string; encoding?: string };
      const bytes = Buffer.from(b.content, b.encoding === 'base64' ? 'base64' : 'utf8');
      return [201, { sha: text(['hash-object', '-w', '--stdin'], bytes) }];
    }
    if (method === 'POST' && rest === '/git/trees') {
      checkBody('POST /repos/{owner}/{repo}/git/trees', body);
      const b = body as { base_tree?: string; tree: Array<{ path: string; mode: string; type: string; sha?: string | null; content?: string }> };
      const env = { GIT_INDEX_FILE: join(scratch, `index-${Date.now()}-${Math.random()}`) };
      git(b.base_tree ? ['read-tree', b.base_tree] : ['read-tree', '--empty'], undefined, env);
      const present = new Set(b.base_tree ? treeEntries(b.base_tree, true).map((e) => e.path) : []);
      // Inline contents are written as blobs in one git call, as GitHub writes them.
      const inline = b.tree.filter((entry) => entry.content !== undefined);
      const paths = inline.map((entry, index) => {
        const path = join(scratch, `content-${Date.now()}-${index}`);
        writeFileSync(path, options.alterInlineContent ? `${entry.content}\n` : entry.content!);
        return path;
      });
      const ids = inline.length > 0 ? text(['hash-object', '-w', '--stdin-paths'], `${paths.join('\n')}\n`).split('\n') : [];
      const written = new Map(inline.map((entry, index) => [entry, ids[index]!]));
      for (const path of paths) rmSync(path);
      // Which of the named objects are blobs, in one git call.
      const named = b.tree.filter((entry) => entry.content === undefined && entry.sha);
      const checked = named.length > 0 ? text(['cat-file', '--batch-check'], `${named.map((entry) => entry.sha).join('\n')}\n`).split('\n') : [];
      const blobs = new Set(named.filter((_, index) => / blob \d+$/.test(checked[index] ?? '')).map((entry) => entry.sha!));
      for (const id of written.values()) blobs.add(id);
      let info = '';
      for (const entry of b.tree) {
        if (entry.type !== 'blob') return [422, { message: `fake server: only blob entries are implemented (${entry.type})` }];
        if (entry.sha === null) {
          if (!present.has(entry.path)) return [422, { message: `GitHub rejects deleting ${entry.path}: not in base_tree` }];
          info += `0 ${'0'.repeat(40)}\t${entry.path}\0`;
        } else {
          const sha = entry.content !== undefined ? written.get(entry)! : entry.sha!;
          if (!blobs.has(sha)) return [422, { message: `tree.sha ${sha} is not a blob` }];
          info += `${entry.mode} ${sha}\t${entry.path}\0`;
        }
      }
      git(['update-index', '-z', '--index-info'], info, env);
      const sha = text(['write-tree'], undefined, env);
      rmSync(env.GIT_INDEX_FILE, { force: true });
      return [201, { sha, tree: treeEntries(sha, false), truncated: false }];
    }
    if (method === 'POST' && rest === '/git/commits') {
      checkBody('POST /repos/{owner}/{repo}/git/commits', body);
      type Person = { name: string; email: string; date?: string };
      const b = body as { message: string; tree: string; parents?: string[]; author?: Person; committer?: Person; signature?: string };
      if (!exists(b.tree, 'tree') || (b.parents ?? []).some((p) => !exists(p, 'commit'))) return [422, { message: 'Tree SHA or parent SHA does not exist' }];
      if (b.signature !== undefined) return [201, signedCommit(b as typeof b & { signature: string })];
      const who = b.author ?? { name: 'token owner', email: 'owner@example.com' };
      const env = { GIT_AUTHOR_NAME: who.name, GIT_AUTHOR_EMAIL: who.email, GIT_COMMITTER_NAME: 'GitHub', GIT_COMMITTER_EMAIL: 'noreply@github.com' };
      const sha = text(['commit-tree', b.tree, ...(b.parents ?? []).flatMap((p) => ['-p', p]), '-F', '-'], b.message, env);
      return [201, commitJson(sha)];
    }
    if (method === 'POST' && rest === '/git/refs') {
      checkBody('POST /repos/{owner}/{repo}/git/refs', body);
      const b = body as { ref: string; sha: string };
      if (!/^refs\/heads\/[A-Za-z0-9._/-]+$/.test(b.ref) || !exists(b.sha, 'commit')) return [422, { message: 'Invalid request' }];
      try {
        git(['update-ref', b.ref, b.sha, '']);
      } catch {
        return [422, { message: 'Reference already exists' }];
      }
      return [201, { ref: b.ref, object: { sha: b.sha, type: 'commit' } }];
    }
    if (method === 'PATCH' && (m = /^\/git\/refs\/heads\/(.+)$/.exec(rest))) {
      checkBody('PATCH /repos/{owner}/{repo}/git/refs/{ref}', body);
      const b = body as { sha: string; force?: boolean };
      if (b.force === true) fake.problems.push('PATCH ref with force: true');
      const current = refOf(m[1]!);
      if (!current) return [422, { message: 'Reference does not exist' }];
      if (!exists(b.sha, 'commit')) return [422, { message: 'Object does not exist' }];
      try {
        if (!b.force) git(['merge-base', '--is-ancestor', current, b.sha]);
        git(['update-ref', `refs/heads/${m[1]}`, b.sha, current]);
      } catch {
        return [422, { message: 'Update is not a fast forward' }];
      }
      return [200, { ref: `refs/heads/${m[1]}`, object: { sha: b.sha, type: 'commit' } }];
    }
    if (method === 'POST' && rest === '/pulls') {
      checkBody('POST /repos/{owner}/{repo}/pulls', body);
      const b = body as { title: string; head: string; base: string; body?: string };
      if (!refOf(b.head) || !refOf(b.base)) return [422, { message: 'Validation Failed' }];
      const number = fake.pulls.length + 1;
      fake.pulls.push({ number, title: b.title, head: b.head, base: b.base, body: b.body ?? '' });
      return [201, { number, html_url: `https://github.com/${owner}/${repo}/pull/${number}`, head: { ref: b.head }, base: { ref: b.base } }];
    }
    fake.problems.push(`unimplemented endpoint ${method} ${path}`);
    return [404, { message: 'Not Found' }];
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    // Octokit sends `{ref}` URL-encoded (`heads%2Fmain`), which GitHub accepts.
    const pathname = decodeURIComponent(url.pathname);
    const method = request.method ?? 'GET';
    let body: unknown;
    try {
      body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
    } catch {
      fake.problems.push(`${method} ${pathname}: body is not JSON`);
    }
    fake.requests.push({ method, path: pathname, body });
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      response.end(JSON.stringify(payload));
    };
    const auth = request.headers.authorization ?? '';
    if (auth !== `token ${options.token}` && auth !== `Bearer ${options.token}`) {
      fake.problems.push(`${method} ${pathname}: missing or wrong token`);
      return send(401, { message: 'Bad credentials' });
    }
    const failure = failures.findIndex((f) => f.method === method && f.path.test(pathname));
    if (failure >= 0) {
      const [f] = failures.splice(failure, 1);
      return send(f!.status, f!.body ?? { message: 'injected failure' }, f!.headers);
    }
    const [status, payload, headers] = route(method, pathname, url.searchParams, body);
    send(status, payload, headers);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      fake.problems.push(`server error: ${String(error)}`);
      response.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
