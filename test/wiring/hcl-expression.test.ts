import { parse } from '@cdktf/hcl2json';
import { describe, expect, it } from 'vitest';
import { functionCall, interpolations, jsonencoded, parseHclExpression, references } from './hcl-expression.js';

/** The reader of expression text that hcl2json leaves unparsed, on what HashiCorp's parser hands back. */
describe('the HCL expression reader', () => {
  it("reads jsonencode's argument out of hcl2json's view of an attribute, keeping references as ${…}", async () => {
    const json = (await parse(
      'main.tf',
      `resource "aws_secretsmanager_secret_version" "db" {
  secret_id = aws_secretsmanager_secret.db.id
  secret_string = jsonencode({
    host = aws_db_instance.database.address # the writer's multi-line form
    port = tostring(aws_db_instance.database.port)
    "quoted key" = "a \\"quoted\\" value with $\${literal}"
    list = [1, -2.5, true, null, "x", { a = "b" }]
  })
}`,
    )) as { resource: Record<string, Record<string, Array<Record<string, string>>>> };
    const body = json.resource.aws_secretsmanager_secret_version!.db![0]!;
    expect(jsonencoded(body.secret_string)).toEqual({
      host: '${aws_db_instance.database.address}',
      port: '${tostring(aws_db_instance.database.port)}',
      'quoted key': 'a "quoted" value with $${literal}',
      list: [1, -2.5, true, null, 'x', { a: 'b' }],
    });
  });

  it('keeps operators, conditionals and for expressions whole', () => {
    expect(parseHclExpression('{ a = var.x == "y" ? "1" : "2", b = [for s in var.list : upper(s)], c = "z" }')).toEqual({
      a: '${var.x == "y" ? "1" : "2"}',
      b: '${[for s in var.list : upper(s)]}',
      c: 'z',
    });
  });

  it('finds function calls, interpolations and the addresses an expression refers to', () => {
    expect(functionCall('${merge(local.a, { b = 1 })}')).toEqual({ name: 'merge', args: ['${local.a}', { b: 1 }] });
    expect(functionCall('${aws_s3_bucket.x.bucket}')).toBeUndefined();
    expect(interpolations('${aws_secretsmanager_secret.x.arn}:host:: and $${not} ${var.y}')).toEqual(['aws_secretsmanager_secret.x.arn', 'var.y']);
    expect(references('format("%s.example.com", data.aws_route53_zone.main.name) == aws_lb.public.dns_name[0] && var.x && local.y')).toEqual([
      'aws_lb.public',
      'data.aws_route53_zone.main',
      'local.y',
      'var.x',
    ]);
  });
});
