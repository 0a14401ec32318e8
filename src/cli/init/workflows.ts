/**
 * The two GitHub workflows `slipway init` writes, as data. They mirror Slipway's own
 * `.github/workflows/` but call the published action by its version (`OWNER/slipway@vX.Y.Z`),
 * since `uses: ./` only works inside Slipway's repository.
 */

// Third-party actions pinned by commit, with the version in a comment, as in Slipway's own workflows.
const CHECKOUT = 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683';
const SETUP_NODE = 'actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020';
const GITHUB_SCRIPT = 'actions/github-script@60a0d83039c74a4aee543508d2ffcb1c3799cdea';
export const PINNED_VERSIONS: Record<string, string> = { [CHECKOUT]: 'v4.2.2', [SETUP_NODE]: 'v4.4.0', [GITHUB_SCRIPT]: 'v7.0.1' };

export const SOURCE_PATHS = ['services/**', 'environments/**', 'releases/**', 'policies/**', 'secrets/**', 'keys/**', 'slipway.yaml'];

export interface Workflow {
  header: string[];
  document: Record<string, unknown>;
}

const checkoutSource = { name: 'Check out the source', uses: CHECKOUT, with: { 'persist-credentials': false } };
const setupNode = { name: 'Set up Node.js 20', uses: SETUP_NODE, with: { 'node-version': 20 } };
const deployCheckout = (extra: Record<string, unknown>) => ({
  name: 'Check out the deploy repository',
  ...extra,
  uses: CHECKOUT,
  with: { repository: '${{ vars.SLIPWAY_DEPLOY_REPO }}', token: '${{ secrets.SLIPWAY_DEPLOY_TOKEN }}', path: '.slipway/deploy', 'persist-credentials': false },
});

// The comment script reads the diff from a file named in env: no `${{ }}` ever reaches a script.
const COMMENT_SCRIPT = [
  "const fs = require('node:fs');",
  'const body = fs.readFileSync(process.env.DIFF_FILE, \'utf8\');',
  "const marker = '<!-- slipway-diff -->';",
  'const { owner, repo } = context.repo;',
  'const issue_number = context.issue.number;',
  'const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });',
  "const mine = comments.find((c) => c.user?.type === 'Bot' && (c.body ?? '').startsWith(marker));",
  'if (mine) await github.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });',
  'else await github.rest.issues.createComment({ owner, repo, issue_number, body });',
  '',
].join('\n');

export function reviewWorkflow(action: string): Workflow {
  const step = (name: string, command: string, args: string, extra: Record<string, unknown> = {}) => ({ name, uses: action, with: { command, args, ...extra } });
  return {
    header: [
      ' Pull requests that touch the source tree: validate (annotations on the changed lines), build',
      ' unsigned, and post the rendered diff as one sticky comment and as the job summary.',
      '',
      ' Configuration: variable SLIPWAY_DEPLOY_REPO (OWNER/REPO of the deploy repository) and secret',
      ' SLIPWAY_DEPLOY_TOKEN (read access to it). Without them the diff is taken against an empty one.',
    ],
    document: {
      name: 'Slipway review',
      on: { pull_request: { paths: [...SOURCE_PATHS, '.github/workflows/slipway-review.yml'] } },
      permissions: {},
      concurrency: { group: 'slipway-review-${{ github.event.pull_request.number }}', 'cancel-in-progress': true },
      jobs: {
        review: {
          name: 'Validate, build and diff',
          'runs-on': 'ubuntu-latest',
          'timeout-minutes': 20,
          permissions: { contents: 'read', 'pull-requests': 'write' },
          steps: [
            checkoutSource,
            deployCheckout({ if: "vars.SLIPWAY_DEPLOY_REPO != ''", 'continue-on-error': true }),
            { name: 'Fall back to an empty deploy repository', run: 'mkdir -p .slipway/deploy' },
            setupNode,
            step('Validate', 'validate', '--format github'),
            step('Build (unsigned)', 'build', '--no-sign --format text --previous .slipway/deploy --out ${{ runner.temp }}/slipway-output'),
            step('Diff against the deploy repository', 'diff', '--against .slipway/deploy --format markdown', { 'output-file': '${{ runner.temp }}/slipway-diff.md' }),
            { name: 'Write the job summary', run: 'cat "$RUNNER_TEMP/slipway-diff.md" >> "$GITHUB_STEP_SUMMARY"' },
            {
              name: 'Post or update the diff comment',
              if: 'github.event.pull_request.head.repo.full_name == github.repository',
              uses: GITHUB_SCRIPT,
              env: { DIFF_FILE: '${{ runner.temp }}/slipway-diff.md' },
              with: { script: COMMENT_SCRIPT },
            },
          ],
        },
      },
    },
  };
}

export function publishWorkflow(action: string): Workflow {
  return {
    header: [
      ' Pushes to main that touch the source tree: build and sign with the release key, verify every',
      ' signature and hash, and publish one commit to the deploy repository.',
      '',
      ' Configuration: variable SLIPWAY_DEPLOY_REPO (OWNER/REPO), secrets SLIPWAY_SIGNING_KEY (the',
      ' Ed25519 private key PEM), SLIPWAY_DEPLOY_TOKEN (contents: write on the deploy repository) and,',
      ' optionally, SLIPWAY_COMMIT_SIGNING_KEY (the armored OpenPGP key that signs deploy commits).',
    ],
    document: {
      name: 'Slipway publish',
      on: { push: { branches: ['main'], paths: [...SOURCE_PATHS, '.github/workflows/slipway-publish.yml'] }, workflow_dispatch: null },
      permissions: {},
      concurrency: { group: 'slipway-publish', 'cancel-in-progress': false },
      jobs: {
        publish: {
          name: 'Build, sign, verify and publish',
          'runs-on': 'ubuntu-latest',
          'timeout-minutes': 30,
          permissions: { contents: 'read' },
          steps: [
            checkoutSource,
            deployCheckout({}),
            setupNode,
            {
              name: 'Build and sign',
              uses: action,
              env: { SLIPWAY_SIGNING_KEY: '${{ secrets.SLIPWAY_SIGNING_KEY }}' },
              with: { command: 'build', args: '--format github --previous .slipway/deploy --out ${{ runner.temp }}/slipway-output' },
            },
            { name: 'Verify signatures and hashes', uses: action, with: { command: 'verify', args: '${{ runner.temp }}/slipway-output --keys keys' } },
            {
              name: 'Publish to the deploy repository',
              uses: action,
              env: {
                GITHUB_TOKEN: '${{ secrets.SLIPWAY_DEPLOY_TOKEN }}',
                SLIPWAY_SIGNING_KEY: '${{ secrets.SLIPWAY_SIGNING_KEY }}',
                SLIPWAY_COMMIT_SIGNING_KEY: '${{ secrets.SLIPWAY_COMMIT_SIGNING_KEY }}',
                GIT_AUTHOR_NAME: 'github-actions[bot]',
                GIT_AUTHOR_EMAIL: '41898282+github-actions[bot]@users.noreply.github.com',
              },
              with: { command: 'publish', args: '--out ${{ runner.temp }}/slipway-output --to github:${{ vars.SLIPWAY_DEPLOY_REPO }} --keys keys' },
            },
          ],
        },
      },
    },
  };
}
