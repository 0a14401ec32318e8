import { checkedExtraPath, extrasFolder } from '../load/extra-files.js';
import { groupVersion, type ComposeOverride, type EnvironmentExtras, type EnvironmentInput, type ExtraManifest, type JsonPath, type Origin, type OverlayInput, type PatchTarget, type Project, type ResolvedPatch, type SourceFile } from '../model/index.js';

/**
 * An environment's extras — the shared overlays' it names, in order, then its own — as the
 * generators read them: each patch with the target it selects and the path it is written to under
 * k8s/, each extra manifest with its namespace decided, the one Compose override. Files the load
 * stage refused are left out: their findings hold the environment back anyway.
 */

/** Kinds that live outside any namespace: an extra manifest of one keeps no namespace. */
const clusterScoped = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'StorageClass', 'PriorityClass', 'IngressClass', 'RuntimeClass',
  'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'APIService', 'CSIDriver', 'VolumeSnapshotClass',
  'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
  'ClusterIssuer', 'ClusterSecretStore', 'ClusterExternalSecret',
]);

interface Owner {
  source: SourceFile;
  input: Pick<OverlayInput, 'patches' | 'manifests' | 'composeOverride'>;
  /** The folder its paths are relative to. */
  folder: string;
  /** Where its files go under k8s/patches/ and k8s/extra/. */
  outputFolder: string;
}

export function resolveExtras(project: Project, source: SourceFile, input: EnvironmentInput, namespace: string): EnvironmentExtras {
  const owners: Owner[] = [];
  const files = new Set<string>();
  for (const name of input.overlays ?? []) {
    const overlay = project.overlays.get(name);
    if (!overlay?.valid) continue;
    files.add(overlay.source.path);
    owners.push({ source: overlay.source, input: overlay.value, folder: extrasFolder({ kind: 'overlay', name }), outputFolder: `overlays/${name}` });
  }
  owners.push({ source, input, folder: extrasFolder({ kind: 'environment' }), outputFolder: 'environment' });

  const patches: ResolvedPatch[] = [];
  const manifests: ExtraManifest[] = [];
  let composeOverride: ComposeOverride | undefined;
  for (const owner of owners) {
    const at = (path: JsonPath): Origin => ({ source: owner.source, path });
    const fileOf = (written: string): { file: SourceFile; output: string } | undefined => {
      const checked = checkedExtraPath(written);
      if ('problem' in checked) return undefined;
      files.add(`${owner.folder}/${checked.path}`);
      const file = project.extraFiles?.get(`${owner.folder}/${checked.path}`);
      return file ? { file, output: `${owner.outputFolder}/${checked.path.replace(/\.yml$/, '.yaml')}` } : undefined;
    };
    (owner.input.patches ?? []).forEach((entry, index) => {
      const found = fileOf(entry.path);
      if (!found) return;
      const content = found.file.data;
      const own = ownIdentity(content);
      const target = entry.target ?? own;
      if (!target) return;
      patches.push({
        kind: Array.isArray(content) ? 'json6902' : 'strategic-merge',
        output: `patches/${found.output}`,
        target,
        content,
        file: found.file,
        origin: at(['patches', index, 'path']),
        targetOrigin: entry.target ? at(['patches', index, 'target']) : { source: found.file, path: ['metadata'] },
      });
    });
    (owner.input.manifests ?? []).forEach((written, index) => {
      const found = fileOf(written);
      if (!found) return;
      const object = found.file.data as Record<string, unknown>;
      const metadata = object.metadata as Record<string, unknown>;
      const namespaced = metadata.namespace === undefined && !clusterScoped.has(String(object.kind));
      manifests.push({
        output: `extra/${found.output}`,
        object: namespaced ? { ...object, metadata: { ...metadata, namespace } } : object,
        file: found.file,
        origin: at(['manifests', index]),
      });
    });
    if (owner.input.composeOverride !== undefined) {
      const found = fileOf(owner.input.composeOverride);
      // A second one is refused by the load stage (compose-override-twice); the first stands for the model.
      if (found && composeOverride === undefined) composeOverride = { content: found.file.data as Record<string, unknown>, file: found.file, origin: at(['composeOverride']) };
    }
  }
  return { patches, manifests, composeOverride, files: [...files].sort() };
}

/** The object a strategic-merge patch names itself: kustomize selects by it when the entry gives no target. */
function ownIdentity(content: unknown): PatchTarget | undefined {
  if (content === null || typeof content !== 'object' || Array.isArray(content)) return undefined;
  const { apiVersion, kind, metadata } = content as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || typeof metadata?.name !== 'string') return undefined;
  return {
    ...groupVersion(apiVersion),
    kind,
    name: metadata.name,
    ...(typeof metadata.namespace === 'string' ? { namespace: metadata.namespace } : {}),
  };
}
