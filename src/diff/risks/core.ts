import { compareSops, type SopsComparison } from '../sops.js';
import { code, isRecord, type EnvironmentPair, type FolderView, type Risk, type RiskRule } from './types.js';

/** Rules over what every environment has: its index entry, its release manifest, its secrets. */

const newlyBlocked: RiskRule = {
  id: 'newly-blocked',
  categories: ['policy'],
  description: 'a target the policy gate blocks now but did not block before: nothing new reaches it until the cause is fixed',
  check(environment) {
    if (environment.newEntry?.status !== 'blocked' || environment.oldEntry?.status === 'blocked') return [];
    const reasons = environment.newEntry.blockReasons.map((reason) => reason.message).join('; ') || 'no reason recorded';
    return [risk(this, 'policy', environment, `newly blocked: ${reasons}`)];
  },
};

const environmentRemoved: RiskRule = {
  id: 'environment-removed',
  categories: ['data-loss'],
  description: 'an environment disappears from the deploy repository; its reconciler prunes everything it deployed',
  check(environment) {
    if (!environment.removed || environment.old.paths().length === 0) return [];
    return [risk(this, 'data-loss', environment, 'environment removed: its folder leaves the deploy repository and the reconciler prunes what it deployed, databases and volumes included')];
  },
};

const targetMoved: RiskRule = {
  id: 'target-moved',
  categories: ['data-loss'],
  description: "the manifest's provider or runtime changes: the target is rebuilt elsewhere and its data does not move by itself",
  check(environment) {
    const before = manifest(environment.old);
    const after = manifest(environment.new);
    if (!before || !after) return [];
    const moved = (['provider', 'runtime'] as const).filter((key) => before[key] !== after[key]);
    return moved.map((key) => risk(this, 'data-loss', environment, `${key} changes from ${code(before[key])} to ${code(after[key])}: resources are re-created, data is not migrated`, 'release.json'));
  },
};

const releaseDowngrade: RiskRule = {
  id: 'release-downgrade',
  categories: ['downtime'],
  description: 'the bound release goes back to an older version; database migrations are not rolled back with it',
  check(environment) {
    const before = manifest(environment.old)?.release;
    const after = manifest(environment.new)?.release;
    if (typeof before !== 'string' || typeof after !== 'string' || compareVersions(after, before) >= 0) return [];
    return [risk(this, 'downtime', environment, `release goes back from ${code(before)} to ${code(after)}: migrations already applied stay applied`, 'release.json')];
  },
};

const secretRemoved: RiskRule = {
  id: 'secret-removed',
  categories: ['downtime'],
  description: 'a secret disappears from a SOPS file; a service still reading it fails to start',
  check(environment) {
    return sopsComparisons(environment).flatMap(({ path, comparison }) =>
      comparison.secrets.filter((secret) => secret.change === 'removed' && secret.encrypted).map((secret) => risk(this, 'downtime', environment, `secret ${code(secret.name)} removed`, path)),
    );
  },
};

const recipientsAdded: RiskRule = {
  id: 'secret-recipients-added',
  categories: ['security'],
  description: 'a new age recipient can decrypt the environment\u2019s secrets',
  check(environment) {
    return sopsComparisons(environment).flatMap(({ path, comparison }) =>
      comparison.recipientsAdded
        .filter(() => environment.old.has(path))
        .map((recipient) => risk(this, 'security', environment, `a new key can decrypt these secrets: ${code(shortKey(recipient))}`, path)),
    );
  },
};

const debugOn: RiskRule = {
  id: 'debug-on',
  categories: ['security'],
  description: 'APP_DEBUG turned on in any rendered configuration (compose, Helm values, Kubernetes objects)',
  check(environment) {
    const found: Risk[] = [];
    for (const path of environment.new.paths()) {
      if (!/\.(ya?ml|json)$/.test(path) || environment.new.isSops(path)) continue;
      if (debugEnabled(environment.new.docs(path)) && !debugEnabled(environment.old.docs(path))) {
        found.push(risk(this, 'security', environment, `${code('APP_DEBUG')} is on: stack traces and configuration leak to visitors`, path));
      }
    }
    return found;
  },
};

export const coreRules: readonly RiskRule[] = [newlyBlocked, environmentRemoved, targetMoved, releaseDowngrade, secretRemoved, recipientsAdded, debugOn];

export function risk(rule: RiskRule, category: Risk['category'], environment: EnvironmentPair, message: string, file?: string): Risk {
  return { rule: rule.id, category, environment: environment.name, ...(file ? { file } : {}), message };
}

function manifest(view: FolderView): Record<string, unknown> | undefined {
  const doc = view.doc('release.json');
  return isRecord(doc) ? doc : undefined;
}

const comparisons = new WeakMap<EnvironmentPair, Array<{ path: string; comparison: SopsComparison }>>();

/** The SOPS files of either side, compared; worked out once per environment for every rule that asks. */
function sopsComparisons(environment: EnvironmentPair): Array<{ path: string; comparison: SopsComparison }> {
  if (environment.removed) return [];
  let found = comparisons.get(environment);
  if (!found) {
    const { old: before, new: after } = environment;
    found = [...new Set([...before.paths(), ...after.paths()])]
      .filter((path) => before.isSops(path) || after.isSops(path))
      .map((path) => ({ path, comparison: compareSops(path, before.bytes(path), after.bytes(path)) }));
    comparisons.set(environment, found);
  }
  return found;
}

const TRUE = /^(true|1|yes|on)$/i;

/** Whether any document sets APP_DEBUG on, in any of the shapes configuration takes. */
function debugEnabled(docs: readonly unknown[]): boolean {
  const visit = (node: unknown): boolean => {
    if (typeof node === 'string') return /^APP_DEBUG=(true|1|yes|on)$/i.test(node.trim());
    if (Array.isArray(node)) return node.some(visit);
    if (!isRecord(node)) return false;
    if (node.name === 'APP_DEBUG' && 'value' in node && TRUE.test(String(node.value))) return true;
    return Object.entries(node).some(([key, value]) => (key === 'APP_DEBUG' ? TRUE.test(String(value)) : visit(value)));
  };
  return docs.some(visit);
}

/** Dotted numeric comparison, good enough for release versions (`2026.11.2` < `2026.12.0`). */
function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.split(/[.+-]/).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i] ?? 0;
    const q = y[i] ?? 0;
    if (p === q) continue;
    if (typeof p === 'number' && typeof q === 'number') return p - q;
    return String(p) < String(q) ? -1 : 1;
  }
  return 0;
}

function shortKey(recipient: string): string {
  return recipient.length > 20 ? `${recipient.slice(0, 12)}…${recipient.slice(-6)}` : recipient;
}
