import { parseAllDocuments } from 'yaml';
import { compareText } from '../../core/diagnostics.js';
import { isSopsFile } from '../sops.js';
import type { IndexEntry } from '../../deploy-repo/index.js';
import { decodeUtf8 } from '../text.js';
import { composeRules } from './compose.js';
import { coreRules } from './core.js';
import { helmRules } from './helm.js';
import { terraformRules } from './terraform.js';
import { riskCategories, type FolderView, type Risk, type RiskRule } from './types.js';

export type { Risk, RiskCategory, RiskRule } from './types.js';

/** Every risk rule, by name. Adding a rule for a new output kind is adding it here. */
export const riskRules: readonly RiskRule[] = [...coreRules, ...composeRules, ...helmRules, ...terraformRules];

export interface EnvironmentFiles {
  name: string;
  old: ReadonlyMap<string, Uint8Array>;
  new: ReadonlyMap<string, Uint8Array>;
  oldEntry?: IndexEntry;
  newEntry?: IndexEntry;
}

/** Runs every rule on every environment; the result is sorted so reports are deterministic. */
export function assessRisks(environments: readonly EnvironmentFiles[], rules: readonly RiskRule[] = riskRules): Risk[] {
  const risks: Risk[] = [];
  for (const environment of environments) {
    const pair = {
      name: environment.name,
      old: folderView(environment.old),
      new: folderView(environment.new),
      ...(environment.oldEntry ? { oldEntry: environment.oldEntry } : {}),
      ...(environment.newEntry ? { newEntry: environment.newEntry } : {}),
      removed: !environment.newEntry && environment.new.size === 0,
    };
    for (const rule of rules) risks.push(...rule.check(pair));
  }
  const rank = (risk: Risk) => riskCategories.indexOf(risk.category);
  return risks.sort(
    (a, b) => rank(a) - rank(b) || compareText(a.environment, b.environment) || compareText(a.rule, b.rule) || compareText(a.file ?? '', b.file ?? '') || compareText(a.message, b.message),
  );
}

function folderView(files: ReadonlyMap<string, Uint8Array>): FolderView {
  const docs = new Map<string, unknown[]>();
  const sops = new Map<string, boolean>();
  const text = (path: string) => {
    const bytes = files.get(path);
    return bytes && decodeUtf8(bytes);
  };
  return {
    paths: () => [...files.keys()].sort(compareText),
    has: (path) => files.has(path),
    bytes: (path) => files.get(path),
    text,
    docs: documents,
    doc: (path) => documents(path)[0],
    isSops(path) {
      if (!sops.has(path)) {
        const bytes = files.get(path);
        sops.set(path, bytes !== undefined && isSopsFile(path, bytes));
      }
      return sops.get(path)!;
    },
  };

  function documents(path: string): unknown[] {
    if (!docs.has(path)) {
      const source = text(path);
      let values: unknown[] = [];
      try {
        if (source !== undefined && /\.json$/.test(path)) values = [JSON.parse(source)];
        else if (source !== undefined && /\.ya?ml$/.test(path)) {
          const parsed = parseAllDocuments(source, { uniqueKeys: false, logLevel: 'silent' });
          const list = Array.isArray(parsed) ? parsed : [parsed];
          values = list.some((d) => d.errors.length > 0) ? [] : list.map((d) => d.toJS({ maxAliasCount: 100 }) as unknown);
        }
      } catch {
        values = [];
      }
      docs.set(path, values);
    }
    return docs.get(path)!;
  }
}
