/**
 * A structural check of the Mermaid flowcharts Slipway writes (there is no Mermaid parser among the
 * dependencies): one `flowchart` header, node declarations with valid identifiers and quoted labels
 * that hold no quote, edges between declared nodes only, class statements naming declared nodes.
 * Returns the problems found; empty means sane.
 */
export function mermaidProblems(source: string): string[] {
  const problems: string[] = [];
  const lines = source.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (!/^(flowchart|graph) (TD|TB|LR|RL|BT)$/.test(lines[0] ?? '')) problems.push(`first line is not a flowchart header: ${JSON.stringify(lines[0])}`);
  const identifier = '[A-Za-z][A-Za-z0-9_]*';
  const label = '"[^"\\n`]*"';
  const nodePattern = new RegExp(`^  (${identifier})(\\[${label}\\]|\\[\\(${label}\\)\\]|\\(\\[${label}\\]\\)|\\(${label}\\))$`);
  const edgePattern = new RegExp(`^  (${identifier}) --> (${identifier})$`);
  const classDefPattern = /^ {2}classDef [A-Za-z][A-Za-z0-9_]* [a-z-]+:[^;\n]+$/;
  const classPattern = new RegExp(`^  class (${identifier}(?:,${identifier})*) [A-Za-z][A-Za-z0-9_]*$`);
  const declared = new Set<string>();
  const referenced: string[] = [];
  for (const [index, line] of lines.slice(1).entries()) {
    const node = nodePattern.exec(line);
    if (node) {
      if (declared.has(node[1]!)) problems.push(`line ${index + 2}: node ${node[1]} declared twice`);
      if (node[1] === 'end' || /^end$/i.test(node[1]!)) problems.push(`line ${index + 2}: reserved id ${node[1]}`);
      declared.add(node[1]!);
      const text = node[2]!.slice(node[2]!.indexOf('"') + 1, node[2]!.lastIndexOf('"'));
      if (/[<>[\]{}|]/.test(text)) problems.push(`line ${index + 2}: label holds a raw bracket, pipe or angle bracket: ${text}`);
      continue;
    }
    const edge = edgePattern.exec(line);
    if (edge) {
      referenced.push(edge[1]!, edge[2]!);
      continue;
    }
    if (classDefPattern.test(line)) continue;
    const classes = classPattern.exec(line);
    if (classes) {
      referenced.push(...classes[1]!.split(','));
      continue;
    }
    problems.push(`line ${index + 2}: not a node, edge or class statement: ${JSON.stringify(line)}`);
  }
  for (const id of referenced) if (!declared.has(id)) problems.push(`${id} is used but never declared`);
  return problems;
}

/** Every ```mermaid block of a Markdown document, without its fences. */
export function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
}
