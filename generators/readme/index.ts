import { textBytes } from '../../src/core/serialize.js';
import { template } from '../../src/core/templates.js';
import type { ProjectGenerator } from '../types.js';

/** The deploy repository's front page: every environment with its mode, provider, release and status. */
export const readmeGenerator: ProjectGenerator = {
  name: 'readme',
  scope: 'project',
  description: 'the deploy repository README',
  appliesTo: () => true,
  generate(model) {
    const blocked = model.environments.filter((environment) => environment.status === 'blocked');
    const text = template('generators/readme/README.md.hbs')({ environments: model.environments, blocked });
    return [{ path: 'README.md', bytes: textBytes(text) }];
  },
};
