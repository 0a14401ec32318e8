import { describe, expect, it } from 'vitest';
import { nested, resource } from '../../src/core/hcl/index.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { awsVersions } from '../../generators/terraform-aws/index.js';
import { awsCron } from '../../generators/terraform-aws/cron.js';
import { digitalOceanVersions } from '../../generators/terraform-digitalocean/index.js';
import { cloneModel } from '../support/clone.js';
import { exampleModel, parsedModule, providerList, resourceOf, resourcesOf, unknownArguments } from './support.js';

function withGpu(environment: ResolvedEnvironment, service: string, gpus: number): ResolvedEnvironment {
  const copy = cloneModel(environment);
  const target = copy.services.find((candidate) => candidate.name === service)!;
  target.resources = { ...target.resources, gpu: gpus };
  copy.infrastructure.compute.gpuServices = [service];
  return copy;
}

describe('AWS targets get the infrastructure their mode and platform call for', () => {
  it('us-prod (ECS): task definitions and services; blue-green through CodeDeploy, rolling with the circuit breaker', async () => {
    const module = await parsedModule(exampleModel('us-prod'));
    expect(Object.keys(resourcesOf(module, 'aws_ecs_task_definition')).sort()).toEqual(['api', 'api_migrate', 'frontend', 'nginx', 'scheduler', 'websocket', 'worker']);
    const api = resourceOf(module, 'aws_ecs_service', 'api');
    expect(api.deployment_controller).toEqual([{ type: 'CODE_DEPLOY' }]);
    const group = resourceOf(module, 'aws_codedeploy_deployment_group', 'api');
    expect(group.deployment_style).toEqual([{ deployment_option: 'WITH_TRAFFIC_CONTROL', deployment_type: 'BLUE_GREEN' }]);
    expect(group.load_balancer_info[0].target_group_pair_info[0].target_group).toHaveLength(2);
    expect(resourceOf(module, 'aws_codedeploy_app', 'main').compute_platform).toBe('ECS');
    const frontend = resourceOf(module, 'aws_ecs_service', 'frontend');
    expect(frontend.deployment_circuit_breaker).toEqual([{ enable: true, rollback: true }]);
    expect(frontend.deployment_controller).toEqual([{ type: 'ECS' }]);
    // The scheduler never runs twice, not even while deploying.
    expect(resourceOf(module, 'aws_ecs_service', 'scheduler')).toMatchObject({ desired_count: 1, deployment_maximum_percent: 100, deployment_minimum_healthy_percent: 0 });
    expect(resourceOf(module, 'aws_appautoscaling_target', 'api')).toMatchObject({ min_capacity: 3, max_capacity: 24 });
  });

  it('us-prod: RDS, ElastiCache and a private S3 bucket; CloudFront behind the WAF; CloudWatch; backups kept 35 days', async () => {
    const module = await parsedModule(exampleModel('us-prod'));
    expect(resourceOf(module, 'aws_db_instance', 'database')).toMatchObject({ engine: 'postgres', engine_version: '16', multi_az: true, allocated_storage: 500, storage_encrypted: true, publicly_accessible: false });
    expect(resourceOf(module, 'aws_elasticache_replication_group', 'cache')).toMatchObject({ num_cache_clusters: 2, transit_encryption_enabled: true, at_rest_encryption_enabled: true });
    expect(resourceOf(module, 'aws_s3_bucket_public_access_block', 'uploads')).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    const distribution = resourceOf(module, 'aws_cloudfront_distribution', 'main');
    expect(distribution.web_acl_id).toBe('${aws_wafv2_web_acl.cdn.arn}');
    expect(distribution.aliases).toEqual(['us.harbor.example.com']);
    expect(resourceOf(module, 'aws_wafv2_web_acl', 'cdn')).toMatchObject({ scope: 'CLOUDFRONT', provider: '${aws.us_east_1}' });
    expect(Object.keys(resourcesOf(module, 'aws_cloudwatch_log_group')).sort()).toEqual(['ecs_api', 'ecs_frontend', 'ecs_nginx', 'ecs_scheduler', 'ecs_websocket', 'ecs_worker']);
    expect(Object.keys(resourcesOf(module, 'aws_cloudwatch_metric_alarm'))).toEqual(expect.arrayContaining(['alb_5xx', 'database_cpu', 'database_storage', 'cache_memory', 'api_cpu']));
    expect(resourceOf(module, 'aws_sns_topic_subscription', 'alerting')).toMatchObject({ protocol: 'https', endpoint: '${var.alerting_endpoint}' });
    const plan = resourceOf(module, 'aws_backup_plan', 'main');
    expect(plan.rule[0]).toMatchObject({ schedule: 'cron(0 7 * * ? *)', schedule_expression_timezone: 'Etc/UTC', lifecycle: [{ delete_after: 35 }] });
    expect(resourceOf(module, 'aws_backup_selection', 'main').resources).toEqual(['${aws_db_instance.database.arn}', '${aws_s3_bucket.uploads.arn}']);
    expect(resourceOf(module, 'aws_acm_certificate', 'main').domain_name).toBe('us.harbor.example.com');
    expect(resourceOf(module, 'aws_route53_zone', 'main').name).toBe('us.harbor.example.com');
  });

  it('secrets are referenced, never read: Secrets Manager data sources by ARN, no secret versions, passwords as sensitive variables', async () => {
    const module = await parsedModule(exampleModel('us-prod'));
    expect(module.data.aws_secretsmanager_secret.infra_mail_password[0].arn).toBe('arn:aws:secretsmanager:us-east-1:111122223333:secret:harbor/us-prod/ses-smtp-password-Zt81Pw');
    expect(module.data.aws_secretsmanager_secret_version).toBeUndefined();
    // The only versions Terraform writes are the stores' connection secrets (their own addresses and the URL forms); no generated secret.
    expect(Object.keys(module.resource.aws_secretsmanager_secret_version).sort()).toEqual(['connection_cache', 'connection_database']);
    expect(module.variable.database_password[0]).toMatchObject({ sensitive: true });
    expect(module.variable.database_password[0].default).toBeUndefined();
  });

  it('eu-prod (EKS): the cluster on its Kubernetes version, a sized node group, the ALB bound to the pods', async () => {
    const module = await parsedModule(exampleModel('eu-prod'));
    expect(resourceOf(module, 'aws_eks_cluster', 'main')).toMatchObject({ name: 'eu-prod', version: '1.30' });
    const general = resourceOf(module, 'aws_eks_node_group', 'general');
    expect(general.scaling_config[0].min_size).toBeGreaterThanOrEqual(3);
    // The GPU thumbnailer lands on its tainted GPU pool (labelled slipway.dev/pool=gpu, which its nodeSelector names).
    expect(resourceOf(module, 'aws_eks_node_group', 'gpu').labels).toEqual({ 'nvidia.com/gpu.present': 'true', 'slipway.dev/pool': 'gpu' });
    expect(resourceOf(module, 'aws_lb_target_group', 'nginx_http').target_type).toBe('ip');
    expect(resourceOf(module, 'aws_security_group_rule', 'nginx_http_from_alb').source_security_group_id).toBe('${aws_security_group.alb.id}');
    expect(resourcesOf(module, 'aws_ecs_service')).toEqual({});
  });

  it('a service that asks for GPUs gets a tainted GPU node group', async () => {
    const module = await parsedModule(withGpu(exampleModel('eu-prod'), 'worker', 1));
    const gpu = resourceOf(module, 'aws_eks_node_group', 'gpu');
    expect(gpu).toMatchObject({ ami_type: 'AL2023_x86_64_NVIDIA', instance_types: ['g5.xlarge'] });
    expect(gpu.taint).toEqual([{ key: 'nvidia.com/gpu', value: 'present', effect: 'NO_SCHEDULE' }]);
  });

  it('contoso-private (enterprise): its own VPC range, private API endpoint, private storage through a VPC endpoint and a customer key', async () => {
    const module = await parsedModule(exampleModel('contoso-private'));
    expect(module.variable.vpc_cidr[0].default).toBe('10.42.0.0/16');
    expect(resourceOf(module, 'aws_vpc', 'main').cidr_block).toBe('${var.vpc_cidr}');
    expect(resourceOf(module, 'aws_eks_cluster', 'main').vpc_config[0].endpoint_public_access).toBe(false);
    expect(resourceOf(module, 'aws_vpc_endpoint', 's3')).toMatchObject({ vpc_endpoint_type: 'Gateway' });
    const encryption = resourceOf(module, 'aws_s3_bucket_server_side_encryption_configuration', 'uploads').rule[0].apply_server_side_encryption_by_default[0];
    expect(encryption).toEqual({ sse_algorithm: 'aws:kms', kms_master_key_id: '${aws_kms_key.storage.arn}' });
    const statements = module.data.aws_iam_policy_document.uploads_bucket[0].statement;
    expect(statements.map((statement: { sid: string }) => statement.sid)).toEqual(['DenyInsecureTransport', 'DenyObjectAccessOutsideTheVpc']);
    expect(statements[1].condition[0]).toEqual({ test: 'StringNotEquals', variable: 'aws:SourceVpce', values: ['${aws_vpc_endpoint.s3.id}'] });
    expect(resourceOf(module, 'aws_s3_bucket_public_access_block', 'uploads').restrict_public_buckets).toBe(true);
    expect(resourcesOf(module, 'aws_cloudfront_distribution')).toEqual({});
    expect(resourceOf(module, 'aws_backup_plan', 'main').rule[0].lifecycle).toEqual([{ delete_after: 35 }]);
    expect(resourceOf(module, 'aws_backup_vault', 'main').kms_key_arn).toBe('${aws_kms_key.storage.arn}');
  });

  it('brightpath-wl (white-label): the tenant domain gets its own zone and certificates, and the tenant is tagged', async () => {
    const module = await parsedModule(exampleModel('brightpath-wl'));
    expect(resourceOf(module, 'aws_route53_zone', 'main').name).toBe('learn.brightpath.example');
    expect(resourceOf(module, 'aws_acm_certificate', 'main')).toMatchObject({ domain_name: 'learn.brightpath.example', subject_alternative_names: ['origin.learn.brightpath.example'] });
    expect(resourceOf(module, 'aws_acm_certificate', 'cdn').domain_name).toBe('learn.brightpath.example');
    expect(resourceOf(module, 'aws_route53_record', 'apex_ipv4').name).toBe('learn.brightpath.example');
    expect(module.provider.aws[0].default_tags[0].tags).toMatchObject({ 'slipway.dev/tenant': 'brightpath-wl', 'slipway.dev/billing': 'isolated' });
    expect(module.output.name_servers[0].value).toBe('${aws_route53_zone.main.name_servers}');
  });

  it('globex-aws (self-hosted Compose on AWS): one EC2 host with Docker from cloud-init, no managed stores', async () => {
    const module = await parsedModule(exampleModel('globex-aws'));
    expect(resourceOf(module, 'aws_instance', 'host').user_data).toBe('${file(format("%s/host-cloud-init.yaml", path.module))}');
    expect(resourcesOf(module, 'aws_db_instance')).toEqual({});
    expect(resourceOf(module, 'aws_backup_plan', 'main').rule[0]).toMatchObject({ schedule: 'cron(0 4 ? * MON-SAT *)', lifecycle: [{ delete_after: 14 }] });
  });

  it('pins Terraform and the providers exactly', async () => {
    for (const name of ['us-prod', 'staging']) {
      const module = await parsedModule(exampleModel(name));
      const versions = module.terraform.find((block: Record<string, unknown>) => block.required_providers);
      const providers = versions.required_providers[0];
      const [provider] = Object.values(providers) as Array<{ version: string }>;
      expect(provider!.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(versions.required_version).toBe(name === 'us-prod' ? awsVersions.terraform : digitalOceanVersions.terraform);
      const backend = module.terraform.find((block: Record<string, unknown>) => block.backend).backend.s3[0];
      expect(backend.key).toBe(`environments/${name}/terraform.tfstate`);
    }
  });
});

describe('DigitalOcean targets', () => {
  it('staging and lumen-wl (DOKS): the cluster in a VPC, managed database clusters reachable from the cluster only', async () => {
    for (const name of ['staging', 'lumen-wl']) {
      const module = await parsedModule(exampleModel(name));
      expect(resourceOf(module, 'digitalocean_kubernetes_cluster', 'main')).toMatchObject({ name, vpc_uuid: '${digitalocean_vpc.main.id}' });
      expect(resourceOf(module, 'digitalocean_database_cluster', 'database')).toMatchObject({ engine: 'pg', version: '16' });
      expect(resourceOf(module, 'digitalocean_database_cluster', 'cache').engine).toBe('valkey');
      expect(resourceOf(module, 'digitalocean_database_firewall', 'database').rule).toEqual([{ type: 'k8s', value: '${digitalocean_kubernetes_cluster.main.id}' }]);
      expect(resourceOf(module, 'digitalocean_spaces_bucket', 'uploads').acl).toBe('private');
      expect(resourceOf(module, 'digitalocean_loadbalancer', 'public').vpc_uuid).toBe('${digitalocean_vpc.main.id}');
      expect(resourceOf(module, 'digitalocean_cdn', 'main').origin).toBe('${digitalocean_spaces_bucket.uploads.bucket_domain_name}');
      expect(Object.keys(resourcesOf(module, 'digitalocean_monitor_alert')).sort()).toEqual(['cpu', 'disk', 'memory']);
      expect(resourcesOf(module, 'digitalocean_droplet')).toEqual({});
    }
    const lumen = await parsedModule(exampleModel('lumen-wl'));
    expect(resourceOf(lumen, 'digitalocean_domain', 'main').name).toBe('desk.lumen.example');
    expect(resourceOf(lumen, 'digitalocean_database_cluster', 'database').node_count).toBe(2);
  });

  it('dev (DOKS, embedded stores): no managed database cluster', async () => {
    const module = await parsedModule(exampleModel('dev'));
    expect(resourcesOf(module, 'digitalocean_database_cluster')).toEqual({});
    expect(resourcesOf(module, 'digitalocean_kubernetes_cluster').main).toBeDefined();
  });

  it('initech-do and pr-preview (Compose): a droplet running the Compose runtime, firewalled; backups per the schedule', async () => {
    for (const name of ['initech-do', 'pr-preview']) {
      const module = await parsedModule(exampleModel(name));
      const droplet = resourceOf(module, 'digitalocean_droplet', 'host');
      expect(droplet.user_data).toBe('${file(format("%s/host-cloud-init.yaml", path.module))}');
      expect(resourcesOf(module, 'digitalocean_kubernetes_cluster')).toEqual({});
      const ports = resourceOf(module, 'digitalocean_firewall', 'host').inbound_rule.map((rule: { port_range: string }) => rule.port_range);
      expect(ports).toEqual(['22', '80', '443']);
    }
    const initech = resourceOf(await parsedModule(exampleModel('initech-do')), 'digitalocean_droplet', 'host');
    expect(initech).toMatchObject({ backups: true, backup_policy: [{ plan: 'daily', hour: 0 }] });
    const preview = resourceOf(await parsedModule(exampleModel('pr-preview')), 'digitalocean_droplet', 'host');
    expect(preview.backups).toBe(false);
  });

  it('a droplet backed up on one day of the week gets a weekly plan in the 4-hour window of the schedule', async () => {
    const policyFor = async (schedule: string) => {
      const copy = cloneModel(exampleModel('initech-do'));
      copy.infrastructure.backups = { ...copy.infrastructure.backups!, schedule };
      return resourceOf(await parsedModule(copy), 'digitalocean_droplet', 'host').backup_policy;
    };
    expect(await policyFor('30 5 * * 1')).toEqual([{ plan: 'weekly', weekday: 'MON', hour: 4 }]);
    expect(await policyFor('0 23 * * 7')).toEqual([{ plan: 'weekly', weekday: 'SUN', hour: 20 }]);
    expect(await policyFor('0 2 * * sat')).toEqual([{ plan: 'weekly', weekday: 'SAT', hour: 0 }]);
    expect(await policyFor('0 9 * * 1-5')).toEqual([{ plan: 'daily', hour: 8 }]);
  });

  it('a GPU service gets a tainted GPU node pool on DOKS', async () => {
    const module = await parsedModule(withGpu(exampleModel('staging'), 'worker', 1));
    expect(resourceOf(module, 'digitalocean_kubernetes_node_pool', 'gpu').taint).toEqual([{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }]);
  });
});

describe('the provider argument lists', () => {
  it('catch a misspelled argument and an unknown resource type', () => {
    const list = providerList('aws');
    const file = { blocks: [resource('aws_vpc', 'x', { cidr_blok: '10.0.0.0/16', lifecycle: nested({ ignore_change: [] }) }), resource('aws_vpcc', 'y', {})] };
    expect(unknownArguments(file, list)).toEqual(['resource aws_vpc.x.cidr_blok', 'resource aws_vpc.x.lifecycle.ignore_change', 'resource aws_vpcc (not in the list)']);
  });
});

describe('AWS cron', () => {
  it('turns five-field cron into AWS cron, day-of-week numbered from Sunday = 1', () => {
    expect(awsCron('0 7 * * *')).toEqual({ expression: 'cron(0 7 * * ? *)', approximate: false });
    expect(awsCron('0 4 * * 1-6').expression).toBe('cron(0 4 ? * MON-SAT *)');
    expect(awsCron('*/15 2 * * 0').expression).toBe('cron(0/15 2 ? * SUN *)');
    expect(awsCron('0 3 * * 5-7').expression).toBe('cron(0 3 ? * FRI-SAT,SUN *)');
    expect(awsCron('30 1 1 * *').expression).toBe('cron(30 1 1 * ? *)');
    expect(awsCron('0 1 1 * 1')).toEqual({ expression: 'cron(0 1 1 * ? *)', approximate: true });
  });
});
