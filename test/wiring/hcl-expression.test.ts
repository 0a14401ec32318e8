import { parse } from '@cdktf/hcl2json';
import { describe, expect, it } from 'vitest';
import { callArgumentText, hclValues, interpolationBody, interpolations, references } from './hcl-expression.js';

/** The text hcl2json leaves unparsed: where it begins and ends, what it refers to, and what the parser makes of it when handed back. */
describe('HCL expression text', () => {
  it("reads jsonencode's argument out of hcl2json's view of an attribute, keeping references as ${…}", async () => {
    const json = (await parse(
      'main.tf',
      `resource "aws_secretsmanager_secret_version" "db" {
  secret_id = aws_secretsmanager_secret.db.id
  secret_string = jsonencode({
    host = aws_db_instance.database.address # the writer's multi-line form, "quoted" (in a comment)
    port = tostring(aws_db_instance.database.port)
    "quoted key" = "a \\"quoted\\" value with $\${literal}"
    list = [1, -2.5, true, null, "x", { a = "b" }]
  })
}`,
    )) as { resource: Record<string, Record<string, Array<Record<string, string>>>> };
    const body = json.resource.aws_secretsmanager_secret_version!.db![0]!;
    const argument = callArgumentText(body.secret_string, 'jsonencode');
    expect(argument).toMatch(/^\{\n\s+host = aws_db_instance\.database\.address/);
    expect(await hclValues([argument!])).toEqual([
      {
        host: '${aws_db_instance.database.address}',
        port: '${tostring(aws_db_instance.database.port)}',
        'quoted key': 'a "quoted" value with $${literal}',
        list: [1, -2.5, true, null, 'x', { a: 'b' }],
      },
    ]);
  });

  it('keeps operators, conditionals and for expressions whole, several expressions in one parse', async () => {
    expect(await hclValues(['{ a = var.x == "y" ? "1" : "2", b = [for s in var.list : upper(s)], c = "z" }', '[{ name = "api" }]', 'merge(local.a, { b = 1 })'])).toEqual([
      { a: '${var.x == "y" ? "1" : "2"}', b: '${[for s in var.list : upper(s)]}', c: 'z' },
      [{ name: 'api' }],
      '${merge(local.a, { b = 1 })}',
    ]);
  });

  it('finds one call, interpolations and the addresses an expression refers to', () => {
    expect(callArgumentText('${jsonencode({ b = ")" })}', 'jsonencode')).toBe('{ b = ")" }');
    expect(callArgumentText('${jsonencode(local.a) == jsonencode(local.b)}', 'jsonencode')).toBeUndefined();
    expect(callArgumentText('${merge(local.a, { b = 1 })}', 'jsonencode')).toBeUndefined();
    expect(callArgumentText('${aws_s3_bucket.x.bucket}', 'jsonencode')).toBeUndefined();
    expect(interpolationBody('${a.b}:${c.d}')).toBeUndefined();
    expect(interpolationBody('${ {a = "}"} }')).toBe('{a = "}"}');
    expect(interpolations('${aws_secretsmanager_secret.x.arn}:host:: and $${not} ${var.y}')).toEqual(['aws_secretsmanager_secret.x.arn', 'var.y']);
    expect(references('format("%s.example.com", data.aws_route53_zone.main.name) == aws_lb.public.dns_name[0] && var.x && local.y')).toEqual([
      'aws_lb.public',
      'data.aws_route53_zone.main',
      'local.y',
      'var.x',
    ]);
  });
});
