import type { ObjectValue } from '../../src/core/hcl/index.js';
import { irsaRoleAnnotation, type ResolvedContainer, type ResolvedService } from '../../src/model/index.js';
import { containerUser } from '../infrastructure-shared/container-user.js';
import { mebibytes, milliCpu } from '../infrastructure-shared/sizing.js';

/** The role the service's ServiceAccount names for IRSA, when it names one. */
export function declaredTaskRole(service: ResolvedService): string | undefined {
  return service.options.serviceAccount?.annotations[irsaRoleAnnotation];
}

/**
 * What the service's options add to its own container definition: pod labels as Docker labels,
 * runAsUser/runAsGroup as `user`, readOnlyRootFilesystem, and what it waits for — each init
 * container to exit 0 (SUCCESS), each sidecar to start (START).
 */
export function mainContainerOptions(service: ResolvedService): ObjectValue {
  const { options } = service;
  const dependsOn = [
    ...options.initContainers.map((container) => ({ containerName: container.name, condition: 'SUCCESS' })),
    ...options.sidecars.map((container) => ({ containerName: container.name, condition: 'START' })),
  ];
  return {
    dockerLabels: Object.keys(options.labels).length > 0 ? { ...options.labels } : undefined,
    user: containerUser(options.securityContext),
    readonlyRootFilesystem: options.securityContext.container.readOnlyRootFilesystem,
    dependsOn: dependsOn.length > 0 ? dependsOn : undefined,
  };
}

/**
 * Init containers and sidecars as containers of the same task, not essential: an init container
 * exits once its work is done, and the service's container waits for that; init containers run one
 * after the other, as in a pod. They log where the service logs, under their own stream prefix.
 */
export function extraContainerDefinitions(service: ResolvedService, logConfiguration: (prefix: string) => ObjectValue): ObjectValue[] {
  const { options } = service;
  const user = containerUser(options.securityContext);
  const definition = (container: ResolvedContainer, previous: string | undefined): ObjectValue => ({
    name: container.name,
    image: container.image,
    essential: false,
    command: container.command ? [...container.command] : undefined,
    environment: Object.entries(container.env).map(([name, value]) => ({ name, value })),
    cpu: container.resources.cpu === undefined ? undefined : Math.ceil((milliCpu(container.resources.cpu) * 1024) / 1000),
    memoryReservation: container.resources.memory === undefined ? undefined : mebibytes(container.resources.memory),
    user,
    readonlyRootFilesystem: options.securityContext.container.readOnlyRootFilesystem,
    dependsOn: previous ? [{ containerName: previous, condition: 'SUCCESS' }] : undefined,
    logConfiguration: logConfiguration(`${service.name}-${container.name}`),
  });
  const inits = options.initContainers.map((container, index) => definition(container, options.initContainers[index - 1]?.name));
  return [...inits, ...options.sidecars.map((container) => definition(container, undefined))];
}
