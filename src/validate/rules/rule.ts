import type { Diagnostic } from '../../core/diagnostics.js';
import type { Project, ResolvedEnvironment } from '../../model/index.js';

export interface RuleContext {
  project: Project;
  /** Every environment that could be resolved (valid, and naming an existing release and services). */
  resolved: ReadonlyMap<string, ResolvedEnvironment>;
  /** Environments the policy gate blocks: nothing is rendered for them, so render-time checks skip them. */
  blocked: ReadonlySet<string>;
  /** `build` must render, so what is only a warning in `validate` (a secrets file to sync) is an error there. */
  purpose: 'validate' | 'build';
}

/** A check beyond the schemas. Each rule reports under the codes it lists, and never stops at its first finding. */
export interface Rule {
  name: string;
  codes: readonly string[];
  check(context: RuleContext): Diagnostic[];
}
