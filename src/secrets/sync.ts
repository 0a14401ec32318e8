import { join } from 'node:path';
import { UsageError, UserError } from '../core/errors.js';
import type { GeneratedSecret, ResolvedEnvironment, SecretsFile } from '../model/index.js';
import { removeStaleTemporaries, writeFileAtomic } from '../write/durable.js';
import { writingTo } from '../write/errors.js';
import { addOrReplaceSopsValues, encryptSopsYaml } from '../core/sops/index.js';
import { generateSecretValue, type RandomBytes } from './values.js';

export interface SecretsOptions {
  root: string;
  /** Identities that can open existing files; creating a file needs none. */
  identities: string[];
  /** Written as the files' `lastmodified`. */
  now: Date;
  random?: RandomBytes;
}

export interface SecretsOutcome {
  environment: string;
  action: 'created' | 'updated' | 'unchanged' | 'failed';
  /** Names added or replaced; never values. */
  names: string[];
  message?: string;
}

/**
 * Removes what `secrets sync` or `rotate` runs killed while writing left in `secrets/`: the
 * temporaries beside each `<env>.sops.yaml` (every file itself is always the old or the new whole).
 */
export function removeStaleSecretsTemporaries(root: string): void {
  removeStaleTemporaries(join(root, 'secrets'));
}

/**
 * `slipway secrets sync`: creates missing files (public keys suffice), adds newly declared names
 * and re-encrypts for changed recipients (both need an identity). Existing values are never changed.
 */
export async function syncSecrets(models: readonly ResolvedEnvironment[], options: SecretsOptions): Promise<SecretsOutcome[]> {
  const outcomes: SecretsOutcome[] = [];
  for (const model of models) {
    try {
      outcomes.push(await syncOne(model, options));
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      outcomes.push({ environment: model.name, action: 'failed', names: [], message: error.message });
    }
  }
  return outcomes;
}

async function syncOne(model: ResolvedEnvironment, options: SecretsOptions): Promise<SecretsOutcome> {
  const { generated, recipients, file } = model.secrets;
  if (generated.length === 0) return { environment: model.name, action: 'unchanged', names: [] };
  if (recipients.length === 0) throw new UserError('no recipients: add age public keys to secrets.recipients or to the secrets policy');

  if (!file) {
    const values = freshValues(generated, options);
    const encrypted = await encryptSopsYaml(values, { recipients, lastModified: options.now, ...injectedRandomness(options) });
    writingTo(secretsPath(model, options), () => writeFileAtomic(secretsPath(model, options), encrypted));
    return { environment: model.name, action: 'created', names: Object.keys(values).sort() };
  }

  const missing = generated.filter((secret) => !file.names.includes(secret.name));
  const recipientsChanged = recipients.join('\n') !== file.recipients.join('\n');
  if (missing.length === 0 && !recipientsChanged) return { environment: model.name, action: 'unchanged', names: [] };
  requireIdentities(options, model.name, missing.length > 0 ? `to add ${missing.map((s) => s.name).join(', ')}` : 'to re-encrypt for the changed recipients');
  return rewrite(model, file, freshValues(missing, options), options);
}

/** `slipway secrets rotate ENV [NAME]...`: fresh values for the named generated secrets (all when none are named). */
export async function rotateSecrets(model: ResolvedEnvironment, names: readonly string[], options: SecretsOptions): Promise<SecretsOutcome> {
  const { generated, file } = model.secrets;
  const known = generated.map((secret) => secret.name);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new UsageError(`${unknown.join(', ')} ${unknown.length === 1 ? 'is not a generated secret' : 'are not generated secrets'} of ${model.name}; generated here: ${known.join(', ') || 'none'}`);
  }
  if (!file) throw new UserError(`${model.name} has no secrets/${model.name}.sops.yaml yet; run \`slipway secrets sync --env ${model.name}\` first`);
  requireIdentities(options, model.name, 'to rotate its secrets');
  const chosen = generated.filter((secret) => names.length === 0 || names.includes(secret.name));
  return rewrite(model, file, freshValues(chosen, options), options);
}

/**
 * Adds or replaces `changes` in the environment's file and re-encrypts for its current recipients.
 * Starts from the bytes the load step read (and validated against), so the file is read once.
 */
async function rewrite(model: ResolvedEnvironment, file: SecretsFile, changes: Record<string, string>, options: SecretsOptions): Promise<SecretsOutcome> {
  const text = new TextDecoder().decode(file.bytes);
  const updated = await addOrReplaceSopsValues(text, options.identities, changes, { lastModified: options.now, recipients: model.secrets.recipients, ...injectedRandomness(options) });
  writingTo(secretsPath(model, options), () => writeFileAtomic(secretsPath(model, options), updated));
  return { environment: model.name, action: 'updated', names: Object.keys(changes).sort() };
}

function freshValues(secrets: readonly GeneratedSecret[], options: SecretsOptions): Record<string, string> {
  return Object.fromEntries(secrets.map((secret) => [secret.name, generateSecretValue(secret, options.random)]));
}

function injectedRandomness(options: SecretsOptions): { randomBytes?: RandomBytes } {
  return options.random ? { randomBytes: options.random } : {};
}

function secretsPath(model: ResolvedEnvironment, options: SecretsOptions): string {
  return join(options.root, 'secrets', `${model.name}.sops.yaml`);
}

function requireIdentities(options: SecretsOptions, environment: string, why: string): void {
  if (options.identities.length === 0) {
    throw new UserError(`secrets/${environment}.sops.yaml exists, and ${why} Slipway must open it: set SOPS_AGE_KEY (the AGE-SECRET-KEY-1… line) or SOPS_AGE_KEY_FILE to an identity among its recipients`);
  }
}
