import type { Diagnostic } from '../../core/diagnostics.js';
import { deployedServiceNames } from '../../resolve/index.js';
import { exists, finding, referableEntities } from '../../model/index.js';
import { didYouMean } from '../suggest.js';
import type { Rule } from './rule.js';

/**
 * Every name an input uses must exist: services, releases, resources, infraSecrets entries, port names.
 * Also checked in a file with schema errors whose rest lacks only required keys (so every field may
 * be absent here): a wrong name is reported in the same pass as the schema error, not the next one.
 */
export const referencesRule: Rule = {
  name: 'references',
  codes: ['name-mismatch', 'unknown-service', 'unknown-release', 'unknown-resource', 'unknown-infra-secret', 'unknown-port', 'missing-dependency', 'missing-image'],
  check({ project }) {
    const out: Diagnostic[] = [];
    const serviceNames = [...project.services.keys()];

    for (const service of referableEntities(project.services)) {
      const input = service.value;
      if (input.name !== undefined && input.name !== service.name) {
        out.push(finding(service, ['name'], 'name-mismatch', `service name "${input.name}" differs from its folder "services/${service.name}"; make them equal`));
      }
      (input.dependencies?.services ?? []).forEach((dependency, index) => {
        if (!exists(project, 'service', dependency)) {
          out.push(finding(service, ['dependencies', 'services', index], 'unknown-service', `service "${input.name}" depends on "${dependency}", which has no services/${dependency}/service.json${didYouMean(dependency, serviceNames)}`));
        }
      });
      // A file with schema errors may hold a port without its name (see referableEntities).
      const portNames = (input.ports ?? []).map((port) => port.name).filter((name) => typeof name === 'string');
      const checkPort = (path: Array<string | number>, port: string | undefined, what: string) => {
        if (port !== undefined && !portNames.includes(port)) {
          const known = portNames.length > 0 ? `; declared ports: ${portNames.join(', ')}` : '; the service declares no ports';
          out.push(finding(service, path, 'unknown-port', `${what} names port "${port}", which "${input.name}" does not declare${didYouMean(port, portNames) || known}`));
        }
      };
      if (input.health && 'port' in input.health) checkPort(['health', 'port'], input.health.port, 'the health check');
      if (input.monitoring?.metrics) checkPort(['monitoring', 'metrics', 'port'], input.monitoring.metrics.port, 'the metrics endpoint');
    }

    for (const release of referableEntities(project.releases)) {
      if (release.value.version !== undefined && release.value.version !== release.name) {
        out.push(finding(release, ['version'], 'name-mismatch', `release version "${release.value.version}" differs from its file name "releases/${release.name}.yaml"; make them equal`));
      }
      for (const section of ['images', 'migrations'] as const) {
        for (const name of Object.keys(release.value[section] ?? {})) {
          if (!exists(project, 'service', name)) {
            out.push(finding(release, [section, name], 'unknown-service', `release ${section} names service "${name}", which does not exist${didYouMean(name, serviceNames)}`, { key: true }));
          }
        }
      }
    }

    for (const environment of referableEntities(project.environments)) {
      const input = environment.value;
      if (input.name !== undefined && input.name !== environment.name) {
        out.push(finding(environment, ['name'], 'name-mismatch', `environment name "${input.name}" differs from its file name "environments/${environment.name}.yaml"; make them equal`));
      }
      const release = project.releases.get(input.release);
      if (input.release !== undefined && !exists(project, 'release', input.release)) {
        out.push(finding(environment, ['release'], 'unknown-release', `release "${input.release}" has no file releases/${input.release}.yaml; add the release file or pick an existing version${didYouMean(input.release, project.releases.keys())}`));
      }
      (input.services ?? []).forEach((name, index) => {
        if (!exists(project, 'service', name)) {
          out.push(finding(environment, ['services', index], 'unknown-service', `service "${name}" does not exist (no services/${name}/service.json)${didYouMean(name, serviceNames)}`));
        }
      });
      const deployed = deployedServiceNames(project, input);
      for (const name of Object.keys(input.overrides?.services ?? {})) {
        if (!deployed.includes(name) && !(input.services === undefined && exists(project, 'service', name))) {
          const why = exists(project, 'service', name) ? 'is not deployed to this environment' : 'does not exist';
          out.push(finding(environment, ['overrides', 'services', name], 'unknown-service', `override for service "${name}", which ${why}${didYouMean(name, deployed)}`, { key: true }));
        }
      }

      const usedResources = new Set<string>();
      const infraNames = Object.keys(input.infraSecrets ?? {});
      for (const name of deployed) {
        const service = project.services.get(name);
        if (!service?.valid) continue;
        for (const resource of service.value.dependencies?.resources ?? []) usedResources.add(resource.name);
        for (const dependency of service.value.dependencies?.services ?? []) {
          if (project.services.has(dependency) && !deployed.includes(dependency)) {
            out.push(finding(environment, input.services ? ['services'] : [], 'missing-dependency', `service "${name}" depends on "${dependency}", which this environment does not deploy; add "${dependency}" to services`));
          }
        }
        for (const [secret, spec] of Object.entries(service.value.secrets ?? {})) {
          if ('from' in spec && !(secret in (input.infraSecrets ?? {}))) {
            out.push(finding(environment, input.infraSecrets ? ['infraSecrets'] : [], 'unknown-infra-secret', `service "${name}" takes secret ${secret} from the infrastructure, but infraSecrets has no "${secret}"; add ${secret}: <reference> to infraSecrets`));
          }
        }
        if (release?.valid && !(name in release.value.images)) {
          out.push(finding(environment, ['release'], 'missing-image', `release "${input.release}" has no image for service "${name}"; add images.${name} to releases/${input.release}.yaml`));
        }
      }
      for (const name of Object.keys(input.resources ?? {})) {
        if (!usedResources.has(name)) {
          out.push(finding(environment, ['resources', name], 'unknown-resource', `resource "${name}" is used by no service deployed here${didYouMean(name, usedResources)}`, { key: true }));
        }
      }
      const checkRef = (path: Array<string | number>, ref: string | undefined, what: string) => {
        if (ref !== undefined && !infraNames.includes(ref)) {
          out.push(finding(environment, path, 'unknown-infra-secret', `${what} "${ref}" names no entry of infraSecrets; add it to infraSecrets with its reference${didYouMean(ref, infraNames)}`));
        }
      };
      checkRef(['monitoring', 'alerting', 'ref'], input.monitoring?.alerting?.ref, 'alerting ref');
      checkRef(['whiteLabel', 'billing', 'accountRef'], input.whiteLabel?.billing?.accountRef, 'billing accountRef');
    }
    return out;
  },
};
