import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, type ScalarTag } from 'yaml';
import { ansibleGenerator } from '../../generators/ansible/index.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { cloneModel } from '../support/clone.js';
import { standalone } from '../support/example.js';
import { describeWithTool, runTool, toolPresent } from '../support/tools.js';
import { exampleModel } from '../terraform/support.js';

/**
 * Text that reaches the playbook and the inventory cannot become Jinja or YAML structure: the
 * site (the environment's region) is the one free-form input there (the schema already keeps it to
 * a DNS label; this holds even past the schema), written as a YAML scalar tagged `!unsafe`.
 * Checked by a YAML parser for every case, and by ansible-inventory itself, which must hand the
 * value back unevaluated.
 */

const hostile = fc.oneof(
  fc.constantFrom("{{ lookup('pipe', 'id') }}", '{% for x in y %}{{ x }}{% endfor %}', '{# comment #}', '---\nall: {}', 'a: b', '!!python/object/apply:os.system ["id"]', '&anchor *alias', '"quoted"', "it's", '$(id)', '`id`', 'é😀\u2028'),
  // A region is never empty (an empty one would set no site at all).
  fc.array(fc.constantFrom('{{', '}}', '{%', '%}', '{#', '#}', '"', "'", ':', '-', '#', '\n', '!', '&', '*', '|', '>', '[', ']', 'x', ' '), { minLength: 1, maxLength: 16 }).map((parts) => parts.join('')),
);

const unsafeTag: ScalarTag = { tag: '!unsafe', resolve: (value: string) => value };
const work = mkdtempSync(join(tmpdir(), 'slipway-ansible-injection-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function withSite(environment: ResolvedEnvironment, site: string): ResolvedEnvironment {
  const copy = cloneModel(environment);
  copy.infrastructure.region = site;
  return copy;
}

function files(environment: ResolvedEnvironment): Map<string, string> {
  return new Map(ansibleGenerator.generate(environment, standalone).map((file) => [file.path, new TextDecoder().decode(file.bytes)]));
}

const base = exampleModel('northwind-onprem');
/** The sites every group of the inventory sets. */
const sitesOf = (inventory: string): unknown[] => {
  const document = parse(inventory, { customTags: [unsafeTag] }) as { all: { children: Record<string, { vars?: { slipway_site?: unknown } }> } };
  return Object.values(document.all.children).map((group) => group.vars?.slipway_site);
};

describe('text from the inputs cannot inject into the playbook or the inventory', () => {
  it('a hostile site arrives as exactly that text, and the playbook is unchanged', () => {
    const cleanPlaybook = files(base).get('ansible/playbook.yml');
    fc.assert(
      fc.property(hostile, (site) => {
        const rendered = files(withSite(base, site));
        expect(sitesOf(rendered.get('ansible/inventory.yml')!)).toEqual([site]);
        expect(rendered.get('ansible/inventory.yml')).toContain('slipway_site: !unsafe');
        expect(rendered.get('ansible/playbook.yml')).toBe(cleanPlaybook);
      }),
      { numRuns: 60 },
    );
  });

  it('text of only blanks and line breaks keeps every character', () => {
    for (const site of [' \n', '  \n\n', '\n \n', '\t\n ']) expect(sitesOf(files(withSite(base, site)).get('ansible/inventory.yml')!)).toEqual([site]);
  });
});

const describeAnsible = describeWithTool('ansible-inventory', toolPresent('ansible-inventory', ['--version']));
describeAnsible('ansible-core hands a hostile site back unevaluated', () => {
  it('ansible-inventory --list shows the Jinja text itself, not what it would evaluate to', () => {
    for (const site of ["{{ lookup('pipe', 'id') }}", '{{ 7 * 7 }}', "{% if true %}x{% endif %}"]) {
      const inventory = join(work, 'inventory.yml');
      writeFileSync(inventory, files(withSite(base, site)).get('ansible/inventory.yml')!);
      const run = runTool('ansible-inventory', ['-i', inventory, '--list'], { env: { ...process.env, ANSIBLE_INVENTORY_UNPARSED_FAILED: 'true' } });
      expect(run.status, run.stderr).toBe(0);
      // ansible-core lists an unsafe value as such: the text itself, marked never to be templated.
      const listed = JSON.parse(run.stdout) as { _meta: { hostvars: Record<string, { slipway_site: unknown }> } };
      expect(listed._meta.hostvars['northwind-onprem']?.slipway_site).toEqual({ __ansible_unsafe: site });
    }
  });
});
