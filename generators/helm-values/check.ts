import type { Diagnostic } from '../../src/core/diagnostics.js';
import { findingAt, type ResolvedEnvironment } from '../../src/model/index.js';
import { aiGatewayName, digestPinned } from './values.js';

/** The private AI gateway is one more release of the chart: it needs a name of its own and, in production, a pinned image. */
export function aiGatewayFindings(environment: ResolvedEnvironment): Diagnostic[] {
  const gateway = environment.infrastructure.aiGateway;
  if (!gateway) return [];
  const findings: Diagnostic[] = [];
  const namesake = environment.services.find((service) => service.name === aiGatewayName);
  if (namesake) {
    findings.push(
      findingAt(
        namesake.origin,
        'ai-gateway-name-taken',
        `service "${aiGatewayName}" has the name of the private AI gateway that "${environment.name}" runs (enterprise.aiGateway), and Kubernetes needs them apart; rename the service (its folder and "name")`,
        { under: ['name'] },
      ),
    );
  }
  if (environment.tier === 'production' && !digestPinned.test(gateway.image)) {
    const what = gateway.imageDeclared ? `the AI gateway image ${gateway.image}` : `the default AI gateway image ${gateway.image}`;
    findings.push(
      findingAt(
        gateway.origin,
        'unpinned-image',
        `${what} of production environment "${environment.name}" is not pinned by digest; set enterprise.aiGateway.image to <repository>@sha256:<64 hex digits>`,
        gateway.imageDeclared ? { under: ['image'] } : {},
      ),
    );
  }
  return findings;
}
