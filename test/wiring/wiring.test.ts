import { afterAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/model/index.js';
import { compileExample } from './example-output.js';
import { composeWiringTests, describeKubernetes, ecsWiringTests, kubernetesWiringTests, targetWiring } from './target-wiring.js';

/**
 * SPEC §8, end to end: "Every Secret, key and ARN a rendered workload reads is created by the same
 * environment's output or is a declared infraSecrets reference." One full compile of the bundled
 * example; every ready environment's output is read the way its consumers read it (Helm and
 * kustomize for Kubernetes, HashiCorp's HCL parser for Terraform, the Compose file and the bundle's
 * bundle.json for Compose), and every reference a workload makes must land on something that
 * output creates. The reverse, softer check: every connection variable resolve gives a service
 * reaches its containers. The checks themselves: ./target-wiring.ts.
 */

// Compiled while the tests are collected: their titles name the environments of this very compile.
const example = compileExample();
afterAll(() => example.remove());
const wiring = targetWiring(() => example);

/** Targets the compile judged ready, by runtime. */
const names = (runtime: Runtime) => example.targets.filter((target) => target.status === 'ready' && target.model?.runtime === runtime).map((target) => target.name);

describe('the compiled example', () => {
  it('has ready Kubernetes, ECS and Compose targets, each rendered by the compile', () => {
    for (const runtime of ['kubernetes', 'ecs', 'compose'] as const) {
      expect(names(runtime).length, runtime).toBeGreaterThan(0);
      expect(example.ready(runtime).map((environment) => environment.name), runtime).toEqual(names(runtime));
    }
  });
});

describeKubernetes('wiring of every Kubernetes target', () => {
  for (const name of names('kubernetes')) kubernetesWiringTests(wiring, name);
});

describe('wiring of every ECS target', () => {
  for (const name of names('ecs')) ecsWiringTests(wiring, name);
});

describe('wiring of every Compose target', () => {
  for (const name of names('compose')) composeWiringTests(wiring, name);
});
