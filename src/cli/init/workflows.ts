/**
 * The two GitHub workflows `slipway init` writes, as data. They mirror Slipway's own
 * `.github/workflows/` but call the published action by its version (`OWNER/slipway@vX.Y.Z`),
 * since `uses: ./` only works inside Slipway's repository.
 */

// Third-party actions pinned by commit, with the version in a comment, as in Slipway's own workflows.
const CHECKOUT = 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683';
const SETUP_NODE = 'actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020';
const GITHUB_SCRIPT = 'actions/github-script@60a0d83039c74a4aee543508d2ffcb1c3799cdea';
const UPLOAD_ARTIFACT = 'actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02';
const DOWNLOAD_ARTIFACT = 'actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093';
const CACHE = 'actions/cache@0400d5f644dc74513175e3cd8d07132dd4860809';
export const PINNED_VERSIONS: Record<string, string> = {
  [CHECKOUT]: 'v4.2.2',
  [SETUP_NODE]: 'v4.4.0',
  [GITHUB_SCRIPT]: 'v7.0.1',
  [UPLOAD_ARTIFACT]: 'v4.6.2',
  [DOWNLOAD_ARTIFACT]: 'v4.3.0',
  [CACHE]: 'v4.2.4',
};

export const SOURCE_PATHS = ['services/**', 'environments/**', 'releases/**', 'policies/**', 'secrets/**', 'keys/**', 'slipway.yaml'];

export interface Workflow {
  header: string[];
  document: Record<string, unknown>;
}

const checkoutSource = { name: 'Check out the source', uses: CHECKOUT, with: { 'persist-credentials': false } };
const setupNode = { name: 'Set up Node.js 20', uses: SETUP_NODE, with: { 'node-version': 20 } };
/** `ref`: a commit to check out instead of the default branch's head. */
const deployCheckout = (extra: Record<string, unknown>, ref?: string) => ({
  name: 'Check out the deploy repository',
  ...extra,
  uses: CHECKOUT,
  with: { repository: '${{ vars.SLIPWAY_DEPLOY_REPO }}', token: '${{ secrets.SLIPWAY_DEPLOY_TOKEN }}', path: '.slipway/deploy', 'persist-credentials': false, ...(ref ? { ref } : {}) },
});

/**
 * `validate --cache` and `diff --cache` keep what they found per environment under the digest of its
 * inputs: each run of a pull request starts from its last one (a key per run, since a cache entry is
 * never overwritten), so a push touching one environment pays for one.
 */
const reviewCache = {
  name: 'Restore what the last review of this pull request found',
  uses: CACHE,
  with: { path: '.slipway/cache', key: 'slipway-review-${{ github.event.pull_request.number }}-${{ github.run_id }}', 'restore-keys': 'slipway-review-${{ github.event.pull_request.number }}-' },
};

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
      ' unsigned and diff against the deploy repository (one step: the diff is that build), and post',
      ' the rendered diff as one sticky comment and as the job summary. The verdicts and folder listings',
      ' of the last run of the pull request are kept in a cache, so that a push touching one environment',
      ' validates and renders that one.',
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
            reviewCache,
            step('Validate', 'validate', '--format github --cache .slipway/cache'),
            step('Build unsigned and diff against the deploy repository', 'diff', '--against .slipway/deploy --format markdown --cache .slipway/cache', { 'output-file': '${{ runner.temp }}/slipway-diff.md' }),
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

/** Verify, then publish one commit: the last steps of both publish workflows. */
const verifyAndPublish = (action: string) => [
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
];

/** What both publish workflows (one runner, or shares) say they need, after their first lines. */
const publishConfiguration = [
  '',
  ' Configuration: variable SLIPWAY_DEPLOY_REPO (OWNER/REPO), secrets SLIPWAY_SIGNING_KEY (the',
  ' Ed25519 private key PEM), SLIPWAY_DEPLOY_TOKEN (contents: write on the deploy repository) and,',
  ' optionally, SLIPWAY_COMMIT_SIGNING_KEY (the armored OpenPGP key that signs deploy commits).',
];

/** When both publish workflows run, and that one publish at a time reaches the deploy repository. */
const publishTrigger = {
  name: 'Slipway publish',
  on: { push: { branches: ['main'], paths: [...SOURCE_PATHS, '.github/workflows/slipway-publish.yml'] }, workflow_dispatch: null },
  permissions: {},
  concurrency: { group: 'slipway-publish', 'cancel-in-progress': false },
};

export function publishWorkflow(action: string): Workflow {
  return {
    header: [
      ' Pushes to main that touch the source tree: build and sign with the release key, verify every',
      ' signature and hash, and publish one commit to the deploy repository.',
      ...publishConfiguration,
    ],
    document: {
      ...publishTrigger,
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
            ...verifyAndPublish(action),
          ],
        },
      },
    },
  };
}

/** The most shares `init --shards` writes: GitHub runs at most 256 jobs of one matrix. */
export const MAX_SHARDS = 256;

/**
 * The publish workflow for a fleet too large for one runner (`init --shards N`): a first job pins
 * the deploy repository's commit and the moment policies are judged at, so every share chains to
 * the same state and sees the same verdicts; N matrix jobs each build
 * and sign one share (`build --shard K/N`) and upload it as an artifact; the last job downloads
 * them all, merges them into the tree one full build writes (`slipway merge`, which checks every
 * share against its signed manifests), verifies it, and publishes one commit.
 */
export function shardedPublishWorkflow(action: string, shards: number): Workflow {
  const numbers = Array.from({ length: shards }, (_, index) => index + 1);
  const shareFolder = '${{ runner.temp }}/slipway-share';
  const sharesFolder = '${{ runner.temp }}/slipway-shares';
  // Every job reads the deploy repository at the commit the first job saw, and judges time-based
  // policies (attestation age) at the moment it recorded: the shares and the merge agree on both.
  const pinnedMoment = { SOURCE_DATE_EPOCH: '${{ needs.pin.outputs.build-time }}' };
  const pinnedDeployCheckout = deployCheckout({ name: 'Check out the deploy repository at the pinned commit' }, '${{ needs.pin.outputs.deploy-ref }}');
  return {
    header: [
      ` Pushes to main that touch the source tree: build and sign the fleet in ${shards} shares on as many`,
      ' runners (build --shard K/N), merge the shares into one output tree (slipway merge checks each',
      ' against its signed manifests), verify every signature and hash, and publish one commit.',
      ...publishConfiguration,
    ],
    document: {
      ...publishTrigger,
      jobs: {
        pin: {
          name: 'Pin the deploy repository state',
          'runs-on': 'ubuntu-latest',
          'timeout-minutes': 10,
          permissions: { contents: 'read' },
          outputs: { 'deploy-ref': '${{ steps.head.outputs.ref }}', 'build-time': '${{ steps.head.outputs.epoch }}' },
          steps: [
            deployCheckout({}),
            {
              name: 'Record its commit, and the moment policies are judged at',
              id: 'head',
              run: ['echo "ref=$(git -C .slipway/deploy rev-parse HEAD)" >> "$GITHUB_OUTPUT"', 'echo "epoch=$(date +%s)" >> "$GITHUB_OUTPUT"', ''].join('\n'),
            },
          ],
        },
        build: {
          name: `Build and sign share \${{ matrix.shard }} of ${shards}`,
          needs: 'pin',
          'runs-on': 'ubuntu-latest',
          'timeout-minutes': 30,
          permissions: { contents: 'read' },
          strategy: { 'fail-fast': true, matrix: { shard: numbers } },
          env: pinnedMoment,
          steps: [
            ...structuredClone([checkoutSource, pinnedDeployCheckout, setupNode]),
            {
              name: 'Build and sign this share',
              uses: action,
              env: { SLIPWAY_SIGNING_KEY: '${{ secrets.SLIPWAY_SIGNING_KEY }}' },
              with: { command: 'build', args: `--format github --previous .slipway/deploy --shard \${{ matrix.shard }}/${shards} --out ${shareFolder}` },
            },
            {
              name: 'Upload the share',
              uses: UPLOAD_ARTIFACT,
              // Hidden files too (upload-artifact leaves them out by default): a share is uploaded whole.
              with: { name: 'slipway-share-${{ matrix.shard }}', path: shareFolder, 'if-no-files-found': 'error', 'include-hidden-files': true, 'retention-days': 1 },
            },
          ],
        },
        publish: {
          name: 'Merge, verify and publish',
          needs: ['pin', 'build'],
          'runs-on': 'ubuntu-latest',
          'timeout-minutes': 30,
          permissions: { contents: 'read' },
          env: { ...pinnedMoment },
          steps: [
            // Copies, not the same objects again: the serialiser would write YAML aliases for those.
            ...structuredClone([checkoutSource, pinnedDeployCheckout, setupNode]),
            { name: 'Download every share', uses: DOWNLOAD_ARTIFACT, with: { pattern: 'slipway-share-*', path: sharesFolder } },
            {
              name: 'Merge the shares and sign the root manifest',
              uses: action,
              env: { SLIPWAY_SIGNING_KEY: '${{ secrets.SLIPWAY_SIGNING_KEY }}' },
              with: {
                command: 'merge',
                args: [...numbers.map((number) => `${sharesFolder}/slipway-share-${number}`), '--format github --previous .slipway/deploy --out ${{ runner.temp }}/slipway-output'].join(' '),
              },
            },
            ...verifyAndPublish(action),
          ],
        },
      },
    },
  };
}
