import type { GraphNode, PlanGraph, ResolvedEnvironment } from '../../src/model/index.js';

const serviceId = (name: string) => `service:${name}`;
const resourceId = (name: string) => `resource:${name}`;

/** The dependency DAG of one environment: services in dependency order, then resources by name. */
export function planGraph(environment: ResolvedEnvironment): PlanGraph {
  const nodes: GraphNode[] = [
    ...environment.services.map((service): GraphNode => ({ id: serviceId(service.name), kind: 'service', name: service.name, role: service.role })),
    ...environment.resources.map(
      (resource): GraphNode => ({
        id: resourceId(resource.name),
        kind: 'resource',
        name: resource.name,
        type: resource.type,
        ...(resource.version === undefined ? {} : { version: resource.version }),
        managed: resource.managed,
      }),
    ),
  ];
  const known = new Set(nodes.map((node) => node.id));
  const edges = environment.services.flatMap((service) =>
    [...service.dependsOn.map(serviceId), ...service.usesResources.map(resourceId)].filter((to) => known.has(to)).map((to) => ({ from: serviceId(service.name), to })),
  );
  return { nodes, edges };
}

/**
 * A Mermaid flowchart of the graph. Node ids are derived identifiers, never user text; every label
 * goes through `mermaidLabel`, so no name, version or description can end a label, a line or the
 * surrounding Markdown code fence.
 */
export function mermaidFlowchart(graph: PlanGraph): string {
  const lines = ['flowchart TD'];
  for (const node of graph.nodes) {
    const id = mermaidId(node.id);
    if (node.kind === 'service') {
      lines.push(`  ${id}["${mermaidLabel(`${node.name}: ${node.role}`)}"]`);
    } else {
      const label = `${node.name}: ${node.type}${node.version === undefined ? '' : ` ${node.version}`}, ${node.managed ? 'managed' : 'embedded'}`;
      lines.push(`  ${id}[("${mermaidLabel(label)}")]`);
    }
  }
  for (const edge of graph.edges) lines.push(`  ${mermaidId(edge.from)} --> ${mermaidId(edge.to)}`);
  lines.push('  classDef service fill:#eef4ff,stroke:#3b5bdb,color:#1c1c1c');
  lines.push('  classDef managed fill:#e6fcf5,stroke:#0ca678,stroke-width:3px,color:#1c1c1c');
  lines.push('  classDef embedded fill:#fff9db,stroke:#f08c00,stroke-dasharray:5 3,color:#1c1c1c');
  const classes: Array<[string, (node: GraphNode) => boolean]> = [
    ['service', (node) => node.kind === 'service'],
    ['managed', (node) => node.kind === 'resource' && node.managed],
    ['embedded', (node) => node.kind === 'resource' && !node.managed],
  ];
  for (const [name, member] of classes) {
    const ids = graph.nodes.filter(member).map((node) => mermaidId(node.id));
    if (ids.length > 0) lines.push(`  class ${ids.join(',')} ${name}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A Mermaid identifier for a graph node id: letters and digits kept, every other character written
 * as `_<hex>_`. Injective (an underscore is itself encoded), and never a Mermaid keyword such as `end`
 * because the result always starts with the kind's initial and an underscore.
 */
export function mermaidId(nodeId: string): string {
  const separator = nodeId.indexOf(':');
  const kind = separator < 0 ? 'n' : nodeId.slice(0, 1);
  const name = separator < 0 ? nodeId : nodeId.slice(separator + 1);
  // Code point by code point (`u`): a character outside the BMP is one `_<hex>_`.
  return `${kind}_${name.replace(/[^A-Za-z0-9]/gu, (c) => `_${c.codePointAt(0)!.toString(16)}_`)}`;
}

/**
 * Text for inside a quoted Mermaid label: a small set of plain characters is kept, every other
 * character becomes a Mermaid entity code (`#35;` for `#`), so quotes, brackets, pipes, angle
 * brackets, backticks and line breaks cannot end the label, inject HTML, or close the code fence.
 */
export function mermaidLabel(text: string): string {
  return text.replace(/[^A-Za-z0-9 .,:/@_+=-]/gu, (c) => `#${c.codePointAt(0)};`);
}

/** The inverse of `mermaidLabel`, as Mermaid reads entity codes; for tests and tooling. */
export function decodeMermaidLabel(label: string): string {
  return label.replace(/#([0-9]+);/g, (_, code: string) => String.fromCodePoint(Number(code)));
}
