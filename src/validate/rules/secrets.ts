import type { Diagnostic } from '../../core/diagnostics.js';
import { finding, validEntities } from '../../model/index.js';
import type { Rule } from './rule.js';

const secretLooking = /(PASSWORD|PASSWD|SECRET|TOKEN|_KEY)$|PRIVATE/;

function looksSecret(name: string): boolean {
  return secretLooking.test(name);
}

/** A value under a secret-looking name in plain `env` would land in the output and the diff in clear. */
export const plaintextSecretRule: Rule = {
  name: 'plaintext-secrets',
  codes: ['plaintext-secret'],
  check({ project }) {
    const out: Diagnostic[] = [];
    // The value itself is never echoed: it may be a real secret.
    const message = (name: string) => `${name} looks like a secret but is given a literal value in env; move it to "secrets" (generated) or take it from the infrastructure ({from: infra} with an infraSecrets reference)`;
    for (const service of validEntities(project.services)) {
      for (const [name, value] of Object.entries(service.value.env ?? {})) {
        if (looksSecret(name) && value !== '') out.push(finding(service, ['env', name], 'plaintext-secret', message(name)));
      }
    }
    for (const environment of validEntities(project.environments)) {
      for (const [serviceName, override] of Object.entries(environment.value.overrides?.services ?? {})) {
        for (const [name, value] of Object.entries(override.env ?? {})) {
          if (looksSecret(name) && value !== '') out.push(finding(environment, ['overrides', 'services', serviceName, 'env', name], 'plaintext-secret', message(name)));
        }
      }
    }
    return out;
  },
};
