import type { Rule } from './rule.js';
import { addonsRule } from './addons.js';
import { composeStrategyRule } from './compose-strategy.js';
import { dependenciesRule } from './dependencies.js';
import { extrasRule } from './extras.js';
import { deployRepoRule } from './deploy-repo.js';
import { healthCheckRule } from './health.js';
import { migrationsRule } from './migrations.js';
import { productionRule } from './production.js';
import { provisioningRule } from './provisioning.js';
import { referencesRule } from './references.js';
import { revokedKeysRule } from './revoked-keys.js';
import { secretsRule } from './secrets-files.js';
import { plaintextSecretRule } from './secrets.js';
import { wiringRule } from './wiring.js';
import { serviceOptionsRule } from './service-options.js';

export type { Rule, RuleContext } from './rule.js';

/** Every rule beyond the schemas, run in this order; all findings are collected before anything fails. */
export const rules: readonly Rule[] = [
  referencesRule,
  dependenciesRule,
  provisioningRule,
  productionRule,
  plaintextSecretRule,
  healthCheckRule,
  migrationsRule,
  secretsRule,
  composeStrategyRule,
  deployRepoRule,
  wiringRule,
  revokedKeysRule,
  addonsRule,
  extrasRule,
  serviceOptionsRule,
];
