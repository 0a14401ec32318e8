import { BugError } from '../../src/core/errors.js';
import type { ConnectionVariable, ResolvedResource, ResolvedService } from '../../src/model/index.js';
import { embeddedAddress, ownCredential } from './stores.js';

/**
 * The connection contract as Compose delivers it: plain values in the Compose file, secrets in
 * the env file install.sh writes, and the URL forms made there around their secret part.
 */

export interface SecretEnv {
  /** The variable inside the container. */
  name: string;
  /** The secret it is filled from at install time. */
  from: string;
  /** A URL form: the secret goes between these, percent-encoded by install.sh (jq's `@uri`). */
  url?: { before: string; after: string };
}

/** An embedded store as the services reach it: the resource, and its service on the Compose network. */
export interface StoreOnNetwork {
  resource: ResolvedResource;
  service: string;
}

/**
 * A URL form as install.sh writes it: the parts known here as text (a store's address on the
 * Compose network, the service's own value of a part it sets itself), its one secret part between
 * them, percent-encoded when the script fills it in.
 */
export function composedUrl(service: ResolvedService, variable: ConnectionVariable, store: StoreOnNetwork): Omit<SecretEnv, 'name'> {
  if (variable.source.kind !== 'composed') throw new BugError(`${variable.name} is not composed`);
  let before = '';
  let after = '';
  let from: string | undefined;
  for (const part of variable.source.parts) {
    let text: string;
    if ('text' in part) text = part.text;
    else {
      const carrier = service.connections.find((candidate) => candidate.name === part.variable);
      if (carrier?.secret) {
        if (from !== undefined) throw new BugError(`${variable.name} of ${service.name} has two secret parts`);
        from = secretSource(carrier, store);
        continue;
      }
      const value = carrier ? plainValue(carrier, store) : service.env[part.variable];
      if (value === undefined) throw new BugError(`${variable.name} of ${service.name} is made with ${part.variable}, which the service does not receive`);
      text = value;
    }
    if (from === undefined) before += text;
    else after += text;
  }
  if (from === undefined) throw new BugError(`${variable.name} of ${service.name} has no secret part`);
  return { from, url: { before, after } };
}

/** A plain connection variable: a literal, or where the embedded store is on the Compose network. */
export function plainValue(variable: ConnectionVariable, store: StoreOnNetwork): string {
  if (variable.source.kind === 'literal') return variable.source.value;
  if (variable.source.kind !== 'embedded') throw new BugError(`${variable.name}: a ${variable.source.kind} source on Compose`);
  const value = embeddedAddress(store.resource, store.service, variable.field);
  if (value === undefined) throw new BugError(`the ${store.resource.type} store has no ${variable.field} address`);
  return value;
}

/** The secret a secret connection variable is filled from: the generated one, or the store's own credential. */
export function secretSource(variable: ConnectionVariable, store: StoreOnNetwork): string {
  if (variable.source.kind === 'generated-secret') return variable.source.secret;
  if (variable.source.kind !== 'embedded') throw new BugError(`${variable.name}: a ${variable.source.kind} source on Compose`);
  return ownCredential(store.resource, variable.field);
}

