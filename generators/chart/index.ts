import { parseDocument } from 'yaml';
import { textBytes } from '../../src/core/serialize.js';
import type { ProjectGenerator } from '../types.js';
import type { OutputFile } from '../../src/core/output-file.js';
import { chartFiles } from './files.js';

/**
 * `charts/<name>/`: the application chart, once for the whole deploy repository, whenever a
 * Kubernetes target exists (a blocked one included: the folder the deploy repo keeps for it still
 * points here). Chart.yaml takes its name and version from slipway.yaml; templates are copied as is.
 */
export const chartGenerator: ProjectGenerator = {
  name: 'chart',
  scope: 'project',
  description: 'the application Helm chart every Kubernetes target installs',
  appliesTo: (model) => model.environments.some((environment) => environment.runtime === 'kubernetes'),
  generate(model) {
    const { name, version } = model.chart;
    // A build asks twice (what each environment's manifest pins, then the root files): made once.
    const key = JSON.stringify([name, version]);
    let files = rendered.get(key);
    if (files === undefined) {
      files = chartFiles().map((file): OutputFile => {
        if (file.path !== 'Chart.yaml') return { path: `charts/${name}/${file.path}`, bytes: file.bytes };
        const document = parseDocument(new TextDecoder().decode(file.bytes));
        document.set('name', name);
        document.set('version', version);
        return { path: `charts/${name}/Chart.yaml`, bytes: textBytes(document.toString({ lineWidth: 0 })) };
      });
      if (rendered.size >= 16) rendered.clear();
      rendered.set(key, files);
    }
    // Copies of the list: a caller may sort or extend it.
    return [...files];
  },
};

const rendered = new Map<string, OutputFile[]>();
