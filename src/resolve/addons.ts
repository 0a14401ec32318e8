import { compareText } from '../core/diagnostics.js';
import type { AddonDeclaration, AddonInput, AddonSource, EnvironmentInput, ResolvedAddon } from '../model/index.js';

/**
 * The environment's add-ons (its own and its overlays', see `addonDeclarations`) with every default
 * decided: installed into a namespace of their own name, which the reconciler creates unless it is
 * the target's (Slipway renders that one). Only Kubernetes targets run them; elsewhere a rule warns
 * and the model carries none.
 */
export function resolveAddons(runtime: EnvironmentInput['runtime'], declarations: readonly AddonDeclaration[], targetNamespace: string): ResolvedAddon[] {
  if (runtime !== 'kubernetes') return [];
  return [...declarations]
    .sort((a, b) => compareText(a.name, b.name))
    .map(({ name, addon: declared, owner }) => {
      // Only a declaration that passed its schema reaches resolve: every field it requires is there.
      const addon = declared as AddonInput;
      const namespace = addon.namespace ?? name;
      return {
        name,
        source: addonSource(addon.repository),
        chart: addon.chart,
        version: addon.version,
        namespace,
        createNamespace: addon.createNamespace ?? namespace !== targetNamespace,
        values: addon.values ?? {},
        dependsOn: [...new Set(addon.dependsOn ?? [])].sort(compareText),
        origin: { source: owner.source, path: ['addons', name] },
      };
    });
}

/** `oci://` is a registry (Flux pulls it as an OCI artifact); anything else is a repository with an index.yaml. */
export function addonSource(repository: string): AddonSource {
  const url = repository.replace(/\/+$/, '');
  return url.toLowerCase().startsWith('oci://') ? { kind: 'oci', url } : { kind: 'helm', url };
}
