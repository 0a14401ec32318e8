import { risk } from './core.js';
import { code, type EnvironmentPair, type FolderView, type RiskRule } from './types.js';

/**
 * Rules over `environments/<env>/terraform/*.tf`. No HCL parser ships at run time, so resource
 * blocks are found textually: `resource "TYPE" "NAME" {` up to its matching brace (strings,
 * heredocs and comments skipped), and string attributes read with a pattern. That is enough for
 * the arguments these rules look at, which generators write as plain literals.
 */

/** Resource types whose removal or replacement destroys data. */
const STATEFUL = new Set([
  'aws_db_instance',
  'aws_rds_cluster',
  'aws_s3_bucket',
  'aws_efs_file_system',
  'aws_ebs_volume',
  'aws_elasticache_replication_group',
  'aws_elasticache_cluster',
  'aws_dynamodb_table',
  'digitalocean_database_cluster',
  'digitalocean_spaces_bucket',
  'digitalocean_volume',
]);

/** Arguments whose change makes Terraform destroy and re-create the resource. */
const FORCES_REPLACEMENT: Record<string, readonly string[]> = {
  aws_db_instance: ['identifier', 'engine', 'db_name', 'availability_zone', 'storage_encrypted', 'kms_key_id'],
  aws_rds_cluster: ['cluster_identifier', 'engine', 'database_name', 'storage_encrypted', 'kms_key_id'],
  aws_s3_bucket: ['bucket'],
  aws_efs_file_system: ['encrypted', 'kms_key_id', 'performance_mode'],
  aws_ebs_volume: ['availability_zone', 'encrypted', 'snapshot_id'],
  aws_dynamodb_table: ['name'],
  digitalocean_database_cluster: ['engine', 'region'],
  digitalocean_spaces_bucket: ['name', 'region'],
  digitalocean_volume: ['region', 'filesystem_type'],
};

const removed: RiskRule = {
  id: 'terraform-stateful-resource-removed',
  categories: ['data-loss'],
  description: 'a database, bucket or volume resource disappears from Terraform: `apply` destroys it',
  check(environment) {
    const { before, after } = resources(environment);
    return [...before.values()]
      .filter((block) => STATEFUL.has(block.type) && !after.has(block.address))
      .map((block) => risk(this, 'data-loss', environment, `${code(block.address)} removed: terraform apply destroys it and its data`, block.file));
  },
};

const replaced: RiskRule = {
  id: 'terraform-stateful-resource-replaced',
  categories: ['data-loss'],
  description: 'an argument that forces replacement changes on a database, bucket or volume: it is destroyed and re-created empty',
  check(environment) {
    return blockPairs(environment).flatMap(({ old, block }) => {
      if (!old) return [];
      return (FORCES_REPLACEMENT[block.type] ?? [])
        .filter((argument) => old.attributes.get(argument) !== block.attributes.get(argument))
        .map((argument) => risk(this, 'data-loss', environment, `${code(block.address)} is replaced: ${code(argument)} changes from ${code(old.attributes.get(argument) ?? 'unset')} to ${code(block.attributes.get(argument) ?? 'unset')}`, block.file));
    });
  },
};

const engineMajor: RiskRule = {
  id: 'terraform-engine-major-change',
  categories: ['data-loss'],
  description: 'a database engine changes major version: an in-place upgrade that cannot be undone',
  check(environment) {
    return blockPairs(environment).flatMap(({ old, block }) => {
      const argument = block.type.startsWith('digitalocean_') ? 'version' : 'engine_version';
      const was = old?.attributes.get(argument);
      const now = block.attributes.get(argument);
      if (!was || !now || major(was) === major(now)) return [];
      return [risk(this, 'data-loss', environment, `${code(block.address)} engine version ${code(was)} → ${code(now)} is a major upgrade; take a backup, it cannot be rolled back`, block.file)];
    });
  },
};

const cidrWidened: RiskRule = {
  id: 'terraform-cidr-widened',
  categories: ['security'],
  description: 'a CIDR range in a resource admits addresses it did not before (a shorter prefix, or 0.0.0.0/0)',
  check(environment) {
    return blockPairs(environment).flatMap(({ old, block }) => {
      const was = old?.cidrs ?? [];
      return block.cidrs
        .filter((cidr) => !was.some((previous) => within(cidr, previous)))
        .filter((cidr) => old !== undefined || cidr === '0.0.0.0/0' || cidr === '::/0')
        .map((cidr) => risk(this, 'security', environment, `${code(block.address)} now admits ${code(cidr)}${was.length ? ` (was ${was.map(code).join(', ')})` : ''}`, block.file));
    });
  },
};

export const terraformRules: readonly RiskRule[] = [removed, replaced, engineMajor, cidrWidened];

interface Block {
  type: string;
  address: string;
  file: string;
  attributes: Map<string, string>;
  cidrs: string[];
}

function resources(environment: EnvironmentPair): { before: Map<string, Block>; after: Map<string, Block> } {
  return { before: blocks(environment.old), after: environment.removed ? new Map() : blocks(environment.new) };
}

/** Each resource of the new side, with the block at the same address before (undefined when new). */
function blockPairs(environment: EnvironmentPair): Array<{ old: Block | undefined; block: Block }> {
  const { before, after } = resources(environment);
  return [...after.values()].map((block) => ({ old: before.get(block.address), block }));
}

const cache = new WeakMap<FolderView, Map<string, Block>>();

function blocks(view: FolderView): Map<string, Block> {
  const cached = cache.get(view);
  if (cached) return cached;
  const found = new Map<string, Block>();
  for (const path of view.paths().filter((p) => /^terraform\/.+\.tf$/.test(p))) {
    for (const block of resourceBlocks(view.text(path) ?? '')) found.set(block.address, { ...block, file: path });
  }
  cache.set(view, found);
  return found;
}

/** Every `resource "T" "N" { … }` of an HCL file, with its simple string attributes and CIDRs. */
function resourceBlocks(source: string): Array<Omit<Block, 'file'>> {
  const result: Array<Omit<Block, 'file'>> = [];
  const head = /^\s*resource\s+"([A-Za-z0-9_-]+)"\s+"([A-Za-z0-9_-]+)"\s*\{/gm;
  for (let match = head.exec(source); match; match = head.exec(source)) {
    const end = closingBrace(source, head.lastIndex);
    const body = source.slice(head.lastIndex, end);
    const attributes = new Map<string, string>();
    // The first assignment of a name wins: the arguments read here are top-level ones, written before nested blocks.
    for (const line of body.split('\n')) {
      const attribute = /^\s*([A-Za-z0-9_]+)\s*=\s*(?:"([^"]*)"|([A-Za-z0-9_.-]+))\s*(?:(?:#|\/\/).*)?$/.exec(line);
      if (attribute && !attributes.has(attribute[1]!)) attributes.set(attribute[1]!, attribute[2] ?? attribute[3]!);
    }
    const cidrs = [...new Set(body.match(/\b(?:\d{1,3}\.){3}\d{1,3}\/\d{1,2}\b|::\/0/g) ?? [])];
    result.push({ type: match[1]!, address: `${match[1]}.${match[2]}`, attributes, cidrs });
    head.lastIndex = end;
  }
  return result;
}

function closingBrace(source: string, from: number): number {
  let depth = 1;
  for (let i = from; i < source.length; i++) {
    const c = source[i];
    if (c === '"') {
      for (i++; i < source.length && source[i] !== '"'; i++) if (source[i] === '\\') i++;
    } else if (c === '#' || (c === '/' && source[i + 1] === '/')) {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '<' && source.startsWith('<<', i)) {
      const marker = /^<<-?([A-Z_]+)\n/.exec(source.slice(i));
      if (marker) {
        const close = source.indexOf(`\n${marker[1]}`, i + marker[0].length - 1);
        i = close < 0 ? source.length : close + marker[1]!.length;
      }
    } else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return source.length;
}

function major(version: string): string {
  return version.split('.')[0]!;
}

/** Whether IPv4 range `inner` lies inside `outer` (same range included). */
function within(inner: string, outer: string): boolean {
  if (inner === outer) return true;
  const parse = (cidr: string) => {
    const [address, prefix] = cidr.split('/');
    const octets = address!.split('.').map(Number);
    if (octets.length !== 4) return undefined;
    return { value: ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0, prefix: Number(prefix) };
  };
  const a = parse(inner);
  const b = parse(outer);
  if (!a || !b || a.prefix < b.prefix) return false;
  const mask = b.prefix === 0 ? 0 : (~0 << (32 - b.prefix)) >>> 0;
  return (a.value & mask) >>> 0 === (b.value & mask) >>> 0;
}
