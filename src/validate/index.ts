import { sortDiagnostics, type Diagnostic } from '../core/diagnostics.js';
import { blockedNotice, blockReasons } from '../gate/index.js';
import { loadSourceTree } from '../load/index.js';
import { resolveEnvironment } from '../resolve/index.js';
import type { BlockReason, Project, ResolvedEnvironment, Target } from '../model/index.js';
import { schemaCheck } from './schema-check.js';
import { rules } from './rules/index.js';

export interface ValidationResult {
  project: Project;
  targets: Target[];
  diagnostics: Diagnostic[];
}

export interface ValidateOptions {
  root: string;
  /** `build` treats what must exist to render (secrets files) as errors; `validate` warns. */
  purpose?: 'validate' | 'build';
  environments?: readonly string[];
  /** The moment time-based policies are judged at (SOURCE_DATE_EPOCH in the CLI). */
  now: Date;
}

/** load → validate → resolve → gate: everything short of generating files. */
export function validateSourceTree(options: ValidateOptions): ValidationResult {
  const tree = loadSourceTree(options.root, { environments: options.environments });
  const { project, diagnostics: schemaFindings } = schemaCheck(tree);

  const resolved = new Map<string, ResolvedEnvironment>();
  for (const name of project.environments.keys()) {
    const model = resolveEnvironment(project, name);
    if (model) resolved.set(name, model);
  }

  const reasonsByEnvironment = new Map([...resolved].map(([name, model]) => [name, blockReasons(project, model, options.now)]));
  const blocked = new Set([...reasonsByEnvironment].filter(([, reasons]) => reasons.length > 0).map(([name]) => name));
  const ruleFindings = rules.flatMap((rule) => rule.check({ project, resolved, blocked, purpose: options.purpose ?? 'validate' }));
  const diagnostics = [...tree.diagnostics, ...schemaFindings, ...ruleFindings];
  const invalidFiles = new Set(diagnostics.filter((d) => d.severity === 'error').map((d) => d.file));

  const targets: Target[] = [];
  for (const [name, entity] of project.environments) {
    const model = resolved.get(name);
    if (!model || invalidFiles.has(entity.source.path)) {
      targets.push({ name, status: 'invalid', ...(model ? { model } : {}), blockReasons: [] });
      continue;
    }
    const reasons = reasonsByEnvironment.get(name)!;
    if (reasons.length > 0) diagnostics.push(blockedNotice(project, model, reasons));
    targets.push({ name, status: reasons.length > 0 ? 'blocked' : 'ready', model, blockReasons: reasons });
  }
  return { project, targets, diagnostics: sortDiagnostics(diagnostics) };
}
