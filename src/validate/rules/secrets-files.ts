import type { Diagnostic } from '../../core/diagnostics.js';
import { type Entity, type EnvironmentInput, finding, validEntities } from '../../model/index.js';
import type { Rule } from './rule.js';

/**
 * Generated secrets live in `secrets/<env>.sops.yaml`, made by `slipway secrets sync`. `build`
 * never generates or re-encrypts them: it carries the file as it is, so the file must already hold
 * every declared name for exactly the recipients the environment and the secrets policy name.
 */
export const secretsRule: Rule = {
  name: 'secrets',
  codes: ['secret-conflict', 'secrets-missing', 'secrets-recipients', 'no-recipients'],
  check({ project, resolved, blocked, purpose }) {
    const out: Diagnostic[] = [];
    const severity = purpose === 'build' ? 'error' : 'warning';

    const declared = new Map<string, { kind: string; service: string }>();
    for (const service of validEntities(project.services)) {
      for (const [name, spec] of Object.entries(service.value.secrets ?? {})) {
        const kind = 'from' in spec ? 'from infra' : `generate ${spec.generate}`;
        const first = declared.get(name);
        if (!first) declared.set(name, { kind, service: service.name });
        else if (first.kind !== kind) {
          out.push(finding(service, ['secrets', name], 'secret-conflict', `secret ${name} is "${kind}" here but "${first.kind}" in service "${first.service}"; a name is one value per environment, so declare it the same way everywhere`, { key: true }));
        }
      }
    }

    for (const model of resolved.values()) {
      if (blocked.has(model.name)) continue;
      const environment = project.environments.get(model.name)! as Entity<EnvironmentInput>;
      const at = environment.value.secrets ? ['secrets'] : [];
      const fix = `run \`slipway secrets sync --env ${model.name}\``;
      const { generated, recipients, file } = model.secrets;
      if (generated.length === 0) continue;
      if (recipients.length === 0) {
        out.push(finding(environment, at, 'no-recipients', `no one could decrypt the secrets of "${model.name}": add age public keys to secrets.recipients, or to policies/secrets-policy.yaml recipients`, { severity }));
        continue;
      }
      if (!file) {
        out.push(finding(environment, at, 'secrets-missing', `"${model.name}" declares generated secrets (${generated.map((s) => s.name).join(', ')}) but has no secrets/${model.name}.sops.yaml; ${fix}`, { severity }));
        continue;
      }
      const missing = generated.map((s) => s.name).filter((name) => !file.names.includes(name));
      if (missing.length > 0) {
        out.push({ severity, code: 'secrets-missing', file: file.path, line: 1, column: 1, message: `${file.path} lacks ${missing.join(', ')}; ${fix} with SOPS_AGE_KEY or SOPS_AGE_KEY_FILE set to an identity that can open it` });
      }
      const added = recipients.filter((r) => !file.recipients.includes(r));
      const removed = file.recipients.filter((r) => !recipients.includes(r));
      if (added.length > 0 || removed.length > 0) {
        const change = [added.length ? `to add: ${added.join(', ')}` : '', removed.length ? `to remove: ${removed.join(', ')}` : ''].filter(Boolean).join('; ');
        out.push({ severity, code: 'secrets-recipients', file: file.path, line: 1, column: 1, message: `${file.path} is encrypted for other recipients than "${model.name}" and the secrets policy name (${change}); ${fix} with SOPS_AGE_KEY or SOPS_AGE_KEY_FILE set` });
      }
    }
    return out;
  },
};
