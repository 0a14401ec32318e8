import { parse } from '@cdktf/hcl2json';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  call,
  forObject,
  forTuple,
  labeled,
  nested,
  quoteString,
  ref,
  renderFile,
  renderValue,
  resource,
  terraform,
  variable,
  type HclFile,
  type Value,
} from '../../src/core/hcl/index.js';
import { expectedHclJson, expectedValueJson } from './expected-json.js';

/** Text an attacker would put in an input: quotes, backslashes, line breaks, template sequences, unicode. */
const hostileFragments = ['"', '\\', '\n', '\r', '\t', '${', '%{', '$${', '%%{', '}', '{', '~}', '#', '//', '/*', '<<EOF', 'é', '😀', '\u2028', '\u202E', '\u0000', '\u007F', '$', '%', ' = ', 'resource "x" "y" {'];
const hostileString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.array(fc.oneof(fc.constantFrom(...hostileFragments), fc.string({ maxLength: 4 })), { maxLength: 12 }).map((parts) => parts.join('')),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

const scalar: fc.Arbitrary<Value> = fc.oneof(hostileString, fc.integer({ min: -1e9, max: 1e9 }), fc.boolean(), fc.constant(null), fc.constant(ref('var.example')));
const value: fc.Arbitrary<Value> = fc.letrec<{ value: Value }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileString, tie('value'), { maxKeys: 4 }),
    fc.array(tie('value'), { maxLength: 3 }).map((args) => call('jsonencode', ...args)),
  ),
})).value;

async function roundTrip(file: HclFile): Promise<{ parsed: unknown; expected: unknown; text: string }> {
  const text = renderFile(file);
  return { parsed: await parse('main.tf', text), expected: expectedHclJson(file), text };
}

describe('the HCL writer', () => {
  it('writes blocks in the style of terraform fmt: aligned runs, two-space indents, blank lines around blocks', () => {
    const text = renderFile({
      header: ['Generated.'],
      blocks: [
        terraform({ required_version: '~> 1.11.0', backend: labeled('s3', { key: 'a', encrypt: true }) }),
        resource('aws_s3_bucket', 'uploads', {
          bucket: 'b',
          force_destroy: false,
          tags: { Name: 'n', 'slipway.dev/x': 'y', Other: 'z', More: 'w' },
          versioning: nested({ enabled: true }),
          list: ['a', ref('var.b')],
        }),
      ],
    });
    expect(text).toBe(
      [
        '# Generated.',
        '',
        'terraform {',
        '  required_version = "~> 1.11.0"',
        '',
        '  backend "s3" {',
        '    key     = "a"',
        '    encrypt = true',
        '  }',
        '}',
        '',
        'resource "aws_s3_bucket" "uploads" {',
        '  bucket        = "b"',
        '  force_destroy = false',
        '  tags = {',
        '    Name            = "n"',
        '    "slipway.dev/x" = "y"',
        '    Other           = "z"',
        '    More            = "w"',
        '  }',
        '',
        '  versioning {',
        '    enabled = true',
        '  }',
        '',
        '  list = ["a", var.b]',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('escapes quotes, backslashes, control characters and template sequences', () => {
    expect(quoteString('a"b\\c\nd\te${f}%{g}\u0001\u2028')).toBe('"a\\"b\\\\c\\nd\\te$${f}%%{g}\\u0001\\u2028"');
    // `$$` in a replacement string would be one `$`: the escape must still double it.
    expect(quoteString('${')).toBe('"$${"');
  });

  it('quotes a string with nothing to escape as it is, and any other exactly as the full escaping does', () => {
    // The escaping written out step by step, without the shortcut for plain strings.
    const escapedFully = (value: string) =>
      `"${value
        .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
        .replace(/\$\{/g, () => '$${')
        .replace(/%\{/g, () => '%%{')
        .replace(/\\/g, '\\\\')
        .replace(/"/g, '\\"')
        .replace(/\n/g, '\\n')
        .replace(/\r/g, '\\r')
        .replace(/\t/g, '\\t')
        .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069\uFEFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`)}"`;
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom('a', '$', '{', '%', '\\', '"', '\n', '\u2028', '\uD800', '\uDC00', '\u061C', 'é') }));
    fc.assert(
      fc.property(text, (value) => {
        expect(quoteString(value)).toBe(escapedFully(value));
      }),
      { numRuns: 2000 },
    );
    expect(quoteString('plain-name_1.2')).toBe('"plain-name_1.2"');
  });

  it('rejects names that are not identifiers instead of writing them', () => {
    expect(() => ref('aws_vpc.main id')).toThrow(/not an identifier/);
    expect(() => resource('aws_vpc', 'main"x', {})).toThrow(/not an identifier/);
    expect(() => renderFile({ blocks: [resource('aws_vpc', 'main', { 'bad name': 1 })] })).toThrow(/not an identifier/);
    expect(() => call('bad-(', 'x')).toThrow(/not an identifier/);
  });

  it('writes a map key named __proto__ as the ordinary key it is (a counterexample the property below once found)', async () => {
    const file: HclFile = { blocks: [resource('aws_thing', 'example', { a: JSON.parse('{"__proto__": null, "x": "y"}') as Value })] };
    const { parsed, expected } = await roundTrip(file);
    expect(parsed).toEqual(expected);
    expect(Object.keys((parsed as { resource: { aws_thing: { example: Array<{ a: object }> } } }).resource.aws_thing.example[0]!.a)).toEqual(['__proto__', 'x']);
  });

  it('round trip: HashiCorp parser reads back exactly what the builder meant, for hostile strings in every position', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), value, { minKeys: 1, maxKeys: 5 }), hostileString, async (attributes, comment) => {
        const file: HclFile = {
          header: [comment],
          blocks: [resource('aws_thing', 'example', { ...attributes, nested_block: nested([{ inner: comment }, {}]) }, [comment]), variable('v', { default: comment })],
        };
        const { parsed, expected } = await roundTrip(file);
        expect(parsed).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('inside a function call, hostile strings are still only strings (the call arguments parse back as written)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(value, { minLength: 1, maxLength: 4 }), async (args) => {
        const file: HclFile = { blocks: [resource('aws_thing', 'x', { value: call('jsonencode', ...args) })] };
        const { parsed } = await roundTrip(file);
        const text = (parsed as any).resource.aws_thing.x[0].value as string;
        expect(text).toBe(`\${jsonencode(${args.map((arg) => renderValue(arg, '  ')).join(', ')})}`);
        // The same arguments as a tuple constructor, which the parser evaluates: their meaning.
        const probe = await parse('probe.tf', `probe = ${renderValue(args, '')}\n`);
        expect(probe).toEqual({ probe: expectedValueJson(args, '') });
      }),
      { numRuns: 200 },
    );
  });

  it('a hostile value never adds a block or an attribute', async () => {
    await fc.assert(
      fc.asyncProperty(hostileString, async (text) => {
        const file: HclFile = { blocks: [resource('aws_thing', 'x', { a: text, b: { [text]: text }, c: [text] })] };
        const parsed = (await parse('main.tf', renderFile(file))) as any;
        expect(Object.keys(parsed)).toEqual(['resource']);
        expect(Object.keys(parsed.resource.aws_thing.x[0]).sort()).toEqual(['a', 'b', 'c']);
        expect(Object.keys(parsed.resource.aws_thing.x[0].b)).toHaveLength(1);
      }),
      { numRuns: 300 },
    );
  });

  it('writes for expressions, splats and index expressions as references, not strings', async () => {
    const file: HclFile = {
      blocks: [
        resource('aws_route53_record', 'v', {
          for_each: forObject(['o'], ref('aws_acm_certificate.main.domain_validation_options'), ref('o.domain_name'), ref('o')),
          records: forTuple('r', ref('aws_route53_record.v'), ref('r.fqdn')),
          subnets: ref('aws_subnet.private').all().get('id'),
          zone: ref('aws_subnet.private').at(ref('count.index')).get('id'),
        }),
      ],
    };
    const { parsed, expected, text } = await roundTrip(file);
    expect(parsed).toEqual(expected);
    expect(text).toContain('for_each = { for o in aws_acm_certificate.main.domain_validation_options : o.domain_name => o }');
    expect(text).toContain('subnets  = aws_subnet.private[*].id');
    expect(text).toContain('zone     = aws_subnet.private[count.index].id');
  });

  // Known answers, written out by hand: the round trips above compare the parser with
  // expectedHclJson, which shares the writer's escaping, so a mistake made in both would pass there.
  describe('known answers: builder → literal HCL text → literal parser JSON', () => {
    const file: HclFile = {
      blocks: [
        resource('aws_thing', 'x', {
          plain: 'say "hi"\\ back\nslash',
          template: 'keep ${var.x} and %{ if } literal',
          nfd: 'e\u0301',
          lone: 'a\uD800b',
          hidden: 'rtl\u202Eend\u2028',
          count: 3,
          on: true,
          none: null,
          list: ['a', ref('var.b')],
          map: { 'with space': 'v', for: 1 },
          call: call('format', '%s-${x}', ref('var.y')),
          block: nested([{ inner: 1 }, {}]),
        }),
      ],
    };
    const text = [
      'resource "aws_thing" "x" {',
      '  plain    = "say \\"hi\\"\\\\ back\\nslash"',
      '  template = "keep $${var.x} and %%{ if } literal"',
      '  nfd      = "e\u0301"',
      '  lone     = "a\uFFFDb"',
      '  hidden   = "rtl\\u202Eend\\u2028"',
      '  count    = 3',
      '  on       = true',
      '  none     = null',
      '  list     = ["a", var.b]',
      '  map      = { "with space" = "v", "for" = 1 }',
      '  call     = format("%s-$${x}", var.y)',
      '',
      '  block {',
      '    inner = 1',
      '  }',
      '',
      '  block {}',
      '}',
      '',
    ].join('\n');
    // Terraform's JSON spelling: template sequences stay escaped, expressions are `${source}`, strings are NFC.
    const json = {
      resource: {
        aws_thing: {
          x: [
            {
              plain: 'say "hi"\\ back\nslash',
              template: 'keep $${var.x} and %%{ if } literal',
              nfd: '\u00E9',
              lone: 'a\uFFFDb',
              hidden: 'rtl\u202Eend\u2028',
              count: 3,
              on: true,
              none: null,
              list: ['a', '${var.b}'],
              map: { 'with space': 'v', for: 1 },
              call: '${format("%s-$${x}", var.y)}',
              block: [{ inner: 1 }, {}],
            },
          ],
        },
      },
    };

    it('the writer writes exactly this text', () => {
      expect(renderFile(file)).toBe(text);
    });

    it("HashiCorp's parser reads exactly this JSON from the text", async () => {
      expect(await parse('main.tf', text)).toEqual(json);
    });

    it('expectedHclJson, the oracle of the round trips, agrees', () => {
      expect(expectedHclJson(file)).toEqual(json);
    });
  });
});
