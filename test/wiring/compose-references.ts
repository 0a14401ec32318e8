import { unzipSync } from 'fflate';
import { parse } from 'yaml';

/**
 * The wiring check of a Compose target: every `env_file` of docker-compose.yml is a file of the
 * environment's compose/ folder or bundle, or one the bundle's install script writes
 * (generators/bundle/lib.sh `write_env_files`: `env/<name>.env` for each entry of bundle.json
 * `runtime.envFiles`, each variable filled from the decrypted secrets.sops.env, an infraSecrets
 * reference, or a secret install.sh generates); every value those env files take has a source; and
 * every `${VAR}` interpolation has a value (a default in the expression, the project's `.env`, or a
 * variable the scripts export).
 */

export interface BundleDescription {
  envFiles: Record<string, Array<{ name: string; from: string; url?: { before: string; after: string } }>>;
  secrets: { sops: string[]; infra: Array<{ name: string; reference: string | null }>; install: Array<{ name: string }> };
}

export interface ComposeOutput {
  environment: string;
  /** docker-compose.yml, parsed. */
  compose: Record<string, any>;
  /** Paths relative to the Compose project folder that exist there: compose/ of the output and the bundle's entries. */
  files: ReadonlySet<string>;
  /** bundle.json's `runtime`, when the target has a bundle. */
  bundle: BundleDescription | undefined;
  /** Key names of secrets.sops.env (in clear text in the encrypted file). */
  sopsKeys: ReadonlySet<string>;
  /** The environment's declared infraSecrets names. */
  infraNames: ReadonlySet<string>;
  /** Variables Compose finds when it interpolates: the project's `.env` and what the scripts export. */
  interpolationValues: ReadonlySet<string>;
}

/** The variable names of a dotenv file (SOPS' own `sops_*` metadata left out). */
export function dotenvKeys(text: string): Set<string> {
  const keys = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
    if (match && !line.trimStart().startsWith('#') && !match[1]!.startsWith('sops_')) keys.add(match[1]!);
  }
  return keys;
}

/** Names a shell script exports (`export NAME`, `export NAME=…`). */
export function exportedNames(script: string): Set<string> {
  return new Set([...script.matchAll(/^\s*export\s+([A-Za-z_][A-Za-z0-9_]*(?:\s+[A-Za-z_][A-Za-z0-9_]*)*)/gm)].flatMap((match) => match[1]!.split(/\s+/)));
}

/** Every interpolation in a Compose string: the variable and whether the expression itself supplies a value. */
export function composeInterpolations(text: string): Array<{ expression: string; name: string; defaulted: boolean }> {
  const found: Array<{ expression: string; name: string; defaulted: boolean }> = [];
  for (const match of text.matchAll(/\$(\$|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g)) {
    if (match[1] === '$') continue;
    const braced = match[2];
    const name = braced === undefined ? match[3]! : /^[A-Za-z_][A-Za-z0-9_]*/.exec(braced)?.[0] ?? braced;
    const modifier = braced === undefined ? '' : braced.slice(name.length);
    found.push({ expression: match[0], name, defaulted: /^:?[-+]/.test(modifier) });
  }
  return found;
}

function strings(value: unknown, path: string): Array<{ path: string; text: string }> {
  if (typeof value === 'string') return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((item, index) => strings(item, `${path}[${index}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, child]) => [{ path: `${path}.${key} (key)`, text: key }, ...strings(child, `${path}.${key}`)]);
  }
  return [];
}

const normalise = (path: string) => path.replace(/^(\.\/)+/, '');

/** The `env_file` entries of a Compose service: path and whether Compose requires it. */
export function envFilesOf(service: Record<string, any>): Array<{ path: string; required: boolean }> {
  const entries = service.env_file === undefined ? [] : Array.isArray(service.env_file) ? service.env_file : [service.env_file];
  return entries.map((entry: string | { path: string; required?: boolean }) =>
    typeof entry === 'string' ? { path: normalise(entry), required: true } : { path: normalise(entry.path), required: entry.required !== false },
  );
}

/** The env files install.sh writes, as paths relative to the project folder. */
function scriptWritten(bundle: BundleDescription | undefined): Map<string, string> {
  return new Map(Object.keys(bundle?.envFiles ?? {}).map((name) => [`env/${name}.env`, name]));
}

/** Every dangling reference of one Compose target, sorted; empty when it is wired. */
export function danglingComposeReferences(output: ComposeOutput): string[] {
  const lines: string[] = [];
  const written = scriptWritten(output.bundle);
  for (const [name, service] of Object.entries((output.compose.services ?? {}) as Record<string, Record<string, any>>)) {
    for (const file of envFilesOf(service)) {
      if (file.required && !output.files.has(file.path) && !written.has(file.path)) lines.push(`compose service ${name}: env_file ${file.path}: nothing creates it`);
    }
  }
  if (output.bundle) {
    const sops = new Set(output.bundle.secrets.sops);
    const pool = new Set([...sops, ...output.bundle.secrets.infra.map((secret) => secret.name), ...output.bundle.secrets.install.map((secret) => secret.name)]);
    for (const name of sops) if (!output.sopsKeys.has(name)) lines.push(`bundle.json secrets.sops ${name}: secrets.sops.env holds no such key`);
    for (const secret of output.bundle.secrets.infra) {
      if (!output.infraNames.has(secret.name)) lines.push(`bundle.json secrets.infra ${secret.name}: not a declared infraSecrets entry`);
    }
    const services = new Set(Object.keys(output.compose.services ?? {}));
    for (const [file, entries] of Object.entries(output.bundle.envFiles)) {
      for (const entry of entries) {
        if (!pool.has(entry.from)) lines.push(`env/${file}.env: ${entry.name} ← ${entry.from}: nothing holds it`);
        if (!entry.url) continue;
        // A URL form names its store by its Compose service: the host must be one.
        let host: string | undefined;
        try {
          host = new URL(`${entry.url.before}secret${entry.url.after}`).hostname;
        } catch {
          lines.push(`env/${file}.env: ${entry.name}: not a URL around its secret`);
          continue;
        }
        if (!services.has(host)) lines.push(`env/${file}.env: ${entry.name} → host ${host}: no Compose service of that name`);
      }
    }
  }
  for (const { path, text } of strings(output.compose, '')) {
    for (const interpolation of composeInterpolations(text)) {
      if (!interpolation.defaulted && !output.interpolationValues.has(interpolation.name)) lines.push(`docker-compose.yml${path}: ${interpolation.expression} has no value`);
    }
  }
  return [...new Set(lines)].map((line) => `env/${output.environment} ${line}`).sort();
}

/** The variables a Compose service receives: `environment` names and the names of its env files. */
export function composeServiceVariables(output: ComposeOutput, service: Record<string, any>): Set<string> {
  const environment = service.environment;
  const names = new Set<string>(
    Array.isArray(environment) ? environment.map((entry: string) => entry.split('=')[0]!) : Object.keys((environment ?? {}) as Record<string, unknown>),
  );
  const written = scriptWritten(output.bundle);
  for (const file of envFilesOf(service)) {
    const envFile = written.get(file.path);
    for (const entry of envFile === undefined ? [] : (output.bundle?.envFiles[envFile] ?? [])) names.add(entry.name);
  }
  return names;
}

/**
 * What one Compose target's output holds, read from a whole compiled tree: the compose/ folder, with
 * the bundle's entries (install scripts, bundle.json) added where the bundle has them.
 */
export function composeOutputOf(all: ReadonlyMap<string, Uint8Array>, environment: string, infraNames: ReadonlySet<string>): ComposeOutput {
  const folder = `environments/${environment}/compose/`;
  const files = new Map([...all].filter(([path]) => path.startsWith(folder)).map(([path, bytes]) => [path.slice(folder.length), bytes]));
  const bundlePath = [...all.keys()].find((path) => path.startsWith(`environments/${environment}/bundle/`) && path.endsWith('.zip'));
  const bundle = bundlePath === undefined ? {} : unzipSync(all.get(bundlePath)!);
  for (const [path, bytes] of Object.entries(bundle)) if (!files.has(path)) files.set(path, bytes);
  const text = (path: string) => (files.has(path) ? new TextDecoder().decode(files.get(path)) : undefined);
  const description = bundle['bundle.json'] ? (JSON.parse(text('bundle.json')!) as { runtime: BundleDescription }).runtime : undefined;
  const scripts = [...files.keys()].filter((path) => path.endsWith('.sh'));
  return {
    environment,
    compose: parse(text('docker-compose.yml') ?? '{}') as Record<string, any>,
    files: new Set(files.keys()),
    bundle: description,
    sopsKeys: dotenvKeys(text('secrets.sops.env') ?? ''),
    infraNames: new Set(infraNames),
    interpolationValues: new Set([...dotenvKeys(text('.env') ?? ''), ...scripts.flatMap((path) => [...exportedNames(text(path)!)])]),
  };
}
