import { data, forObject, forTuple, nested, ref, resource, type Block, type Body, type Traversal } from '../../src/core/hcl/index.js';
import { addOutput } from '../infrastructure-shared/terraform.js';
import { awsName, type AwsContext } from './context.js';
import { routes, servesHttps } from './routes.js';

const usEast1 = () => ref('aws.us_east_1');

/**
 * The domain: its own Route 53 hosted zone (delegate the domain — a white-label tenant's too — to
 * the name servers in the `name_servers` output), ACM certificates validated through it, and the
 * records that point the domain at CloudFront, the load balancer or the host.
 */
export function domain(context: AwsContext): Block[] {
  const infra = context.environment.infrastructure;
  const name = infra.dns.domain;
  if (name === undefined || infra.dns.zone !== 'route53') return [];
  const balancer = routes(context.environment).length > 0;
  const https = servesHttps(context.environment) && balancer;
  const cdn = infra.cdn.enabled && balancer;
  const blocks: Block[] = [
    resource(
      'aws_route53_zone',
      'main',
      { name, comment: `${context.name}: delegate ${name} to this zone's name servers` },
      infra.whiteLabel ? [`White-label domain of ${infra.whiteLabel.brand?.name ?? context.name}.`] : undefined,
    ),
  ];
  addOutput(context, 'name_servers', ref('aws_route53_zone.main.name_servers'), `Name servers to delegate ${name} to`);

  if (https) {
    blocks.push(
      resource('aws_acm_certificate', 'main', {
        domain_name: name,
        subject_alternative_names: cdn ? [`origin.${name}`] : undefined,
        validation_method: 'DNS',
        lifecycle: nested({ create_before_destroy: true }),
      }),
      ...validation('main', undefined),
    );
  }
  if (cdn && https) {
    blocks.push(
      resource(
        'aws_acm_certificate',
        'cdn',
        { provider: usEast1(), domain_name: name, validation_method: 'DNS', lifecycle: nested({ create_before_destroy: true }) },
        ['CloudFront takes certificates from us-east-1 only.'],
      ),
      ...validation('cdn', usEast1()),
    );
  }

  if (cdn) {
    blocks.push(alias('apex_ipv4', name, 'A', cloudfrontTarget), alias('apex_ipv6', name, 'AAAA', cloudfrontTarget), alias('origin', `origin.${name}`, 'A', balancerTarget));
  } else if (balancer) {
    blocks.push(alias('apex_ipv4', name, 'A', balancerTarget));
  } else if (context.environment.infrastructure.compute.platform === 'ec2') {
    blocks.push(resource('aws_route53_record', 'apex_ipv4', { zone_id: zoneId(), name, type: 'A', ttl: 300, records: [ref('aws_eip.host.public_ip')] }));
  }
  return blocks;
}

const zoneId = () => ref('aws_route53_zone.main.zone_id');
const cloudfrontTarget: Body = { name: ref('aws_cloudfront_distribution.main.domain_name'), zone_id: ref('aws_cloudfront_distribution.main.hosted_zone_id'), evaluate_target_health: false };
const balancerTarget: Body = { name: ref('aws_lb.public.dns_name'), zone_id: ref('aws_lb.public.zone_id'), evaluate_target_health: true };

function alias(label: string, name: string, type: string, target: Body): Block {
  return resource('aws_route53_record', label, { zone_id: zoneId(), name, type, alias: nested(target) });
}

function validation(certificate: string, provider: Traversal | undefined): Block[] {
  const records = `${certificate}_certificate_validation`;
  return [
    resource('aws_route53_record', records, {
      for_each: forObject(['option'], ref('aws_acm_certificate', certificate, 'domain_validation_options'), ref('option.domain_name'), ref('option')),
      zone_id: zoneId(),
      name: ref('each.value.resource_record_name'),
      type: ref('each.value.resource_record_type'),
      records: [ref('each.value.resource_record_value')],
      ttl: 60,
      // Certificates for the same name share one validation record.
      allow_overwrite: true,
    }),
    resource('aws_acm_certificate_validation', certificate, {
      provider,
      certificate_arn: ref('aws_acm_certificate', certificate, 'arn'),
      validation_record_fqdns: forTuple('record', ref('aws_route53_record', records), ref('record.fqdn')),
    }),
  ];
}

/** CloudFront in front of the load balancer, with the WAF when the target asks for one. */
export function cdn(context: AwsContext): Block[] {
  const infra = context.environment.infrastructure;
  if (!infra.cdn.enabled || routes(context.environment).length === 0) return [];
  const https = servesHttps(context.environment);
  const domainName = infra.dns.domain;
  const blocks: Block[] = [
    data('aws_cloudfront_cache_policy', 'origin_headers', { name: 'UseOriginCacheControlHeaders' }),
    data('aws_cloudfront_origin_request_policy', 'all_viewer', { name: 'Managed-AllViewer' }),
  ];
  if (infra.cdn.waf) blocks.push(webAcl(context));
  blocks.push(
    resource(
      'aws_cloudfront_distribution',
      'main',
      {
        enabled: true,
        is_ipv6_enabled: true,
        http_version: 'http2and3',
        comment: context.name,
        aliases: https && domainName ? [domainName] : undefined,
        price_class: context.production ? 'PriceClass_All' : 'PriceClass_100',
        web_acl_id: infra.cdn.waf ? ref('aws_wafv2_web_acl.cdn.arn') : undefined,
        origin: nested({
          origin_id: 'load-balancer',
          domain_name: https && domainName ? `origin.${domainName}` : ref('aws_lb.public.dns_name'),
          custom_origin_config: nested({
            http_port: 80,
            https_port: 443,
            origin_protocol_policy: https ? 'https-only' : 'http-only',
            origin_ssl_protocols: ['TLSv1.2'],
            origin_read_timeout: 60,
          }),
        }),
        default_cache_behavior: nested({
          target_origin_id: 'load-balancer',
          viewer_protocol_policy: 'redirect-to-https',
          allowed_methods: ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'],
          cached_methods: ['GET', 'HEAD'],
          compress: true,
          // The application decides what may be cached, through its Cache-Control headers.
          cache_policy_id: ref('data.aws_cloudfront_cache_policy.origin_headers.id'),
          origin_request_policy_id: ref('data.aws_cloudfront_origin_request_policy.all_viewer.id'),
        }),
        restrictions: nested({ geo_restriction: nested({ restriction_type: 'none' }) }),
        viewer_certificate: nested(
          https && domainName
            ? { acm_certificate_arn: ref('aws_acm_certificate_validation.cdn.certificate_arn'), ssl_support_method: 'sni-only', minimum_protocol_version: 'TLSv1.2_2021' }
            : { cloudfront_default_certificate: true },
        ),
      },
      [`CDN of ${context.name}${infra.cdn.waf ? ', behind the WAF' : ''}.`],
    ),
  );
  addOutput(context, 'cdn_domain_name', ref('aws_cloudfront_distribution.main.domain_name'), 'CloudFront domain');
  return blocks;
}

function managedRule(name: string, priority: number, overrides: string[] = []): Body {
  return {
    name,
    priority,
    override_action: nested({ none: nested({}) }),
    statement: nested({
      managed_rule_group_statement: nested({
        name,
        vendor_name: 'AWS',
        rule_action_override: overrides.length > 0 ? nested(overrides.map((rule) => ({ name: rule, action_to_use: nested({ count: nested({}) }) }))) : undefined,
      }),
    }),
    visibility_config: nested({ cloudwatch_metrics_enabled: true, metric_name: name, sampled_requests_enabled: true }),
  };
}

function webAcl(context: AwsContext): Block {
  return resource(
    'aws_wafv2_web_acl',
    'cdn',
    {
      provider: usEast1(),
      name: awsName(context, ['cdn'], 128),
      description: `Web ACL in front of ${context.name}`,
      scope: 'CLOUDFRONT',
      default_action: nested({ allow: nested({}) }),
      rule: nested([
        // Uploads pass the edge (the proxy caps body size), so the body-size rule only counts.
        managedRule('AWSManagedRulesCommonRuleSet', 10, ['SizeRestrictions_BODY']),
        managedRule('AWSManagedRulesKnownBadInputsRuleSet', 20),
        managedRule('AWSManagedRulesAmazonIpReputationList', 30),
        {
          name: 'rate-limit',
          priority: 40,
          action: nested({ block: nested({}) }),
          statement: nested({ rate_based_statement: nested({ limit: 2000, aggregate_key_type: 'IP' }) }),
          visibility_config: nested({ cloudwatch_metrics_enabled: true, metric_name: 'rate-limit', sampled_requests_enabled: true }),
        },
      ]),
      visibility_config: nested({ cloudwatch_metrics_enabled: true, metric_name: awsName(context, ['cdn'], 128), sampled_requests_enabled: true }),
    },
    ['WAF of the CDN (CloudFront web ACLs live in us-east-1): AWS managed rules and a per-IP rate limit.'],
  );
}
